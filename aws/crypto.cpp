#include "aws/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace aws {
namespace {

struct MacDeleter {
    void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// The HMAC implementation is fetched once; contexts are per call.
EVP_MAC* hmac() {
    static std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    return mac.get();
}

}  // namespace

std::string sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");  // only on a broken OpenSSL
    }
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha256_hex(std::string_view data) {
    return to_hex(sha256(data));
}

std::string sha1_hex(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL SHA-1 failed");  // only on a broken OpenSSL
    }
    return to_hex(std::string_view(reinterpret_cast<char*>(out), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(hmac()));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (!ctx ||
        EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     params) != 1 ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
        throw std::runtime_error("OpenSSL HMAC-SHA-256 failed");  // only on a broken OpenSSL
    }
    return std::string(reinterpret_cast<char*>(out), len);
}

struct HmacSha256::Ctx {
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> mac;
};

HmacSha256::HmacSha256(std::string_view key)
    : m_ctx(std::make_unique<Ctx>(Ctx{{EVP_MAC_CTX_new(hmac()), {}}})) {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!m_ctx->mac ||
        EVP_MAC_init(m_ctx->mac.get(), reinterpret_cast<const unsigned char*>(key.data()),
                     key.size(), params) != 1)
        throw std::runtime_error("OpenSSL HMAC-SHA-256 failed");  // only on a broken OpenSSL
}

HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

void HmacSha256::update(std::string_view data) {
    if (EVP_MAC_update(m_ctx->mac.get(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1)
        throw std::runtime_error("OpenSSL HMAC-SHA-256 failed");
}

std::string HmacSha256::final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_MAC_final(m_ctx->mac.get(), out, &len, sizeof out) != 1)
        throw std::runtime_error("OpenSSL HMAC-SHA-256 failed");
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace aws
