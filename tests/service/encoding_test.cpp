// The service's own compression (service/encoding.hpp): which encoding a client's
// Accept-Encoding gets, and bodies that Brotli's and zlib's own decoders give back unchanged.
#include "service/encoding.hpp"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>

namespace {

using service::Encoding;

std::string unbrotli(const std::string& data, std::size_t size) {
    std::string out(size, '\0');
    std::size_t n = out.size();
    if (BrotliDecoderDecompress(data.size(), reinterpret_cast<const std::uint8_t*>(data.data()), &n,
                                reinterpret_cast<std::uint8_t*>(out.data())) !=
        BROTLI_DECODER_RESULT_SUCCESS)
        return "<not brotli>";
    out.resize(n);
    return out;
}

std::string gunzip(const std::string& data, std::size_t size) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return "<no zlib>";
    std::string out(size, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : "<not gzip>";
}

TEST(Encoding, ChosenFromAcceptEncodingWithItsWeights) {
    EXPECT_EQ(service::choose_encoding("gzip, deflate, br, zstd"), Encoding::br);  // Chromium
    EXPECT_EQ(service::choose_encoding("gzip, deflate"), Encoding::gzip);
    EXPECT_EQ(service::choose_encoding(""), Encoding::identity);  // curl by default
    EXPECT_EQ(service::choose_encoding("identity"), Encoding::identity);
    EXPECT_EQ(service::choose_encoding("br;q=0, gzip"), Encoding::gzip);
    EXPECT_EQ(service::choose_encoding("BR ; q=0.5"), Encoding::br);
    EXPECT_EQ(service::choose_encoding("*"), Encoding::br);
    EXPECT_EQ(service::choose_encoding("*;q=0, gzip"), Encoding::gzip);
    EXPECT_EQ(service::choose_encoding("gzip;q=0, br;q=0"), Encoding::identity);
    EXPECT_EQ(service::choose_encoding("brotli, xgzip"), Encoding::identity);  // no substrings
}

TEST(Encoding, OnlyTextLikeBodiesAreCompressed) {
    EXPECT_TRUE(service::compressible("application/json"));
    EXPECT_TRUE(service::compressible("text/html; charset=utf-8"));
    EXPECT_TRUE(service::compressible("text/javascript; charset=utf-8"));
    EXPECT_TRUE(service::compressible("image/svg+xml"));
    EXPECT_FALSE(service::compressible("image/png"));
    EXPECT_FALSE(service::compressible("application/octet-stream"));
}

TEST(Encoding, BodiesComeBackUnchangedThroughTheLibrariesDecoders) {
    std::string body = "[";
    for (int i = 0; i < 5000; ++i)
        body += R"({"component":"svc-)" + std::to_string(i % 200) + R"(","build":)" +
                std::to_string(i) + "},";
    body.back() = ']';
    const std::string br = service::encode(body, Encoding::br);
    const std::string gz = service::encode(body, Encoding::gzip);
    EXPECT_LT(br.size(), body.size() / 5);
    EXPECT_LT(gz.size(), body.size() / 5);
    EXPECT_EQ(unbrotli(br, body.size()), body);
    EXPECT_EQ(gunzip(gz, body.size()), body);
    EXPECT_EQ(service::encode(body, Encoding::identity), body);
    EXPECT_EQ(unbrotli(service::encode("", Encoding::br), 16), "");
    EXPECT_EQ(service::encoding_name(Encoding::br), "br");
    EXPECT_EQ(service::encoding_name(Encoding::gzip), "gzip");
}

}  // namespace
