// See jwt.hpp.
#include "github/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "common/json.hpp"

namespace github {
namespace {

struct BioDeleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct KeyDeleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

std::string trimmed_json(const common::JsonOut& j) {
    std::string s = j.str();
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

}  // namespace

std::string base64url(std::string_view bytes) {
    static constexpr char k_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                           static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += k_alphabet[(n >> shift) & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        if (rest == 2) out += k_alphabet[(n >> 6) & 63];
    }
    return out;
}

common::Result<std::string> app_jwt(std::string_view app_id, std::string_view private_key_pem,
                                    std::int64_t now) {
    using common::ErrorCode;
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
        return common::fail(ErrorCode::input,
                            "the GitHub App key is not an RSA private key in PEM");
    common::JsonOut header;
    header.begin_object().field("alg", "RS256").field("typ", "JWT").end_object();
    common::JsonOut claims;
    claims.begin_object().field("exp", now + 540).field("iat", now - 60);
    claims.field("iss", app_id).end_object();
    const std::string input =
        base64url(trimmed_json(header)) + "." + base64url(trimmed_json(claims));
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        return common::fail(ErrorCode::input, "cannot sign with the GitHub App key");
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        return common::fail(ErrorCode::input, "cannot sign with the GitHub App key");
    signature.resize(length);
    return input + "." + base64url(signature);
}

}  // namespace github
