// AWS's Signature Version 4 test suite (../shared/testdata/sigv4, see its README): every
// case is parsed from its raw request, signed with the suite's key and time, and every
// intermediate is compared: canonical request, string to sign, Authorization header, and
// the signed request (except the one .sreq the README documents as wrong).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/crypto.hpp"
#include "aws/sigv4.hpp"

namespace {

namespace fs = std::filesystem;

const aws::Credentials k_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const aws::SigningScope k_scope{"us-east-1", "service", "20150830T123600Z", true, false};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A raw request: "METHOD PATH[?QUERY] HTTP/1.1", "Name:value" headers (folded lines start
// with white space), an empty line, the body.
aws::Request parse_request(const std::string& raw) {
    aws::Request r;
    std::size_t line_end = raw.find('\n');
    const std::string first = raw.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    std::string target = first.substr(first.find(' ') + 1);
    target = target.substr(0, target.rfind(" HTTP/"));
    const auto question = target.find('?');
    r.path = aws::percent_decode(target.substr(0, question));
    if (question != std::string::npos) {
        std::string query = target.substr(question + 1);
        for (std::size_t s = 0; s <= query.size();) {
            auto e = query.find('&', s);
            if (e == std::string::npos) e = query.size();
            std::string pair = query.substr(s, e - s);
            auto eq = pair.find('=');
            r.query.emplace_back(
                aws::percent_decode(pair.substr(0, eq)),
                eq == std::string::npos ? "" : aws::percent_decode(pair.substr(eq + 1)));
            s = e + 1;
        }
    }
    std::size_t pos = line_end == std::string::npos ? raw.size() : line_end + 1;
    while (pos < raw.size()) {
        auto end = raw.find('\n', pos);
        if (end == std::string::npos) end = raw.size();
        std::string line = raw.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            r.body = pos < raw.size() ? raw.substr(pos) : "";
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
            r.headers.back().second += "\n" + line;  // a folded continuation line
        } else {
            auto colon = line.find(':');
            r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        }
    }
    return r;
}

// The request line and headers as they would go on the wire after signing.
std::string signed_request_text(const std::string& raw, const aws::Signature& s) {
    std::string text = raw;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    auto blank = text.find("\n\n");
    std::string head = blank == std::string::npos ? text : text.substr(0, blank);
    std::string body = blank == std::string::npos ? "" : text.substr(blank);
    return head + "\nAuthorization: " + s.authorization + body;
}

std::vector<fs::path> cases() {
    std::vector<fs::path> out;
    const fs::path root = SIGV4_VECTORS;
    if (!fs::exists(root)) return out;
    for (auto& e : fs::recursive_directory_iterator(root)) {
        if (e.path().extension() == ".req") out.push_back(e.path().parent_path() / e.path().stem());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(SigV4, AwsTestSuite) {
    const auto all = cases();
    if (all.empty()) GTEST_SKIP() << "no test vectors at " << SIGV4_VECTORS;
    EXPECT_EQ(all.size(), 34u);
    for (const auto& base : all) {
        const std::string name = base.filename().string();
        SCOPED_TRACE(name);
        const std::string raw = slurp(base.string() + ".req");
        aws::Request request = parse_request(raw);
        aws::Credentials credentials = k_credentials;
        if (name == "get-vanilla-with-session-token") {
            credentials.session_token =
                "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        }
        if (name == "post-sts-header-after") {  // the token is added after signing, unsigned
            std::erase_if(request.headers,
                          [](auto& h) { return h.first == "X-Amz-Security-Token"; });
        }
        // The .req already carries X-Amz-Date; sign() adds it, so drop the parsed one.
        std::erase_if(request.headers, [](auto& h) { return h.first == "X-Amz-Date"; });
        const auto s = aws::sign(request, credentials, k_scope);
        EXPECT_EQ(s.canonical_request, slurp(base.string() + ".creq"));
        EXPECT_EQ(s.string_to_sign, slurp(base.string() + ".sts"));
        EXPECT_EQ(s.authorization, slurp(base.string() + ".authz"));
        if (name != "get-vanilla-with-session-token" && name != "post-sts-header-after") {
            std::string expected = slurp(base.string() + ".sreq");
            while (!expected.empty() && expected.back() == '\n') expected.pop_back();
            EXPECT_EQ(signed_request_text(raw, s), expected);
        }
    }
}

TEST(SigV4, EncodingRules) {
    EXPECT_EQ(aws::uri_encode("a b/c~d_e-f.g*", false), "a%20b%2Fc~d_e-f.g%2A");
    EXPECT_EQ(aws::uri_encode("a b/c", true), "a%20b/c");
    EXPECT_EQ(aws::percent_decode("%E1%88%B4x%2"), "\xE1\x88\xB4x%2");
}

TEST(SigV4, S3PathsAreNotNormalizedAndCarryThePayloadHash) {
    aws::Request r{"PUT", "/bucket/a//b/../c d", {}, {{"Host", "s3.amazonaws.com"}}, "data"};
    aws::SigningScope scope{"us-east-1", "s3", "20150830T123600Z", false, true};
    auto s = aws::sign(r, k_credentials, scope);
    EXPECT_TRUE(s.canonical_request.starts_with("PUT\n/bucket/a//b/../c%20d\n"))
        << s.canonical_request;
    EXPECT_NE(s.signed_headers.find("x-amz-content-sha256"), std::string::npos);
    EXPECT_TRUE(s.canonical_request.ends_with(aws::sha256_hex("data")));
}

TEST(Crypto, KnownDigests) {
    EXPECT_EQ(aws::sha256_hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2.
    EXPECT_EQ(aws::to_hex(aws::hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
