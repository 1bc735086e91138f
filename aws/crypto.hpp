#pragma once
// SHA-256 and HMAC-SHA-256 on OpenSSL, for request signing and webhook signatures; SHA-1
// for the names of the AWS CLI's SSO token cache files.
#include <memory>
#include <string>
#include <string_view>

namespace aws {

/// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
/// Lower-case hex of SHA-256.
std::string sha256_hex(std::string_view data);
/// Lower-case hex of SHA-1 (not for security: the SSO cache names files by it).
std::string sha1_hex(std::string_view data);
/// Raw 32-byte HMAC-SHA-256.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// HMAC-SHA-256 over data that arrives in parts (a request body as it is read).
class HmacSha256 {
  public:
    explicit HmacSha256(std::string_view key);
    ~HmacSha256();
    HmacSha256(HmacSha256&&) noexcept;
    HmacSha256& operator=(HmacSha256&&) noexcept;
    void update(std::string_view data);
    /// The raw 32-byte digest of everything given to update(); once.
    std::string final();

  private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
};
/// Lower-case hex of any bytes.
std::string to_hex(std::string_view bytes);
/// Whether two strings are equal, in time that depends only on their lengths (for
/// comparing signatures and tokens).
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace aws
