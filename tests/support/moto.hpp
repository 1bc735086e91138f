#pragma once
// moto_server for integration tests: started on a free 127.0.0.1 port with the given
// environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT for its signature-checking mode), stopped
// on destruction. available() is false when moto_server is not installed (or did not start);
// under CI=true that also fails the test that started it.
#include <map>
#include <string>

namespace support {

class MotoServer {
  public:
    /// `single_threaded` serves every request one at a time (see moto_launcher.py; its
    /// DynamoDB requests are serialised either way).
    explicit MotoServer(const std::map<std::string, std::string>& env = {},
                        bool single_threaded = false);
    ~MotoServer();
    MotoServer(const MotoServer&) = delete;
    MotoServer& operator=(const MotoServer&) = delete;

    [[nodiscard]] bool available() const { return m_pid > 0; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] const std::string& why_not() const { return m_why_not; }

  private:
    void fail_in_ci() const;
    int m_port = 0;
    long m_pid = 0;
    std::string m_why_not;
};

/// The aws CLI's arguments that put an image tagged `tag` into the ECR repository
/// `repository` (a manifest without layers): where the tests' builds, without Docker, pushed
/// nothing and reuse looks for the image.
std::string ecr_put_image_args(const std::string& repository, const std::string& tag);

/// A free TCP port on 127.0.0.1 (bound and released).
int free_port();

/// tests/support/fault_proxy.py in front of `upstream` (a moto server): forwards every
/// request unchanged except those its rules (JSON, see the script) throttle, refuse or hang.
/// Stopped on destruction.
class FaultProxy {
  public:
    FaultProxy(const std::string& upstream, const std::string& rules_json);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    [[nodiscard]] bool available() const { return m_pid > 0; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    /// What went through, one "<action> <forwarded|STATUS|hang>" line per request.
    [[nodiscard]] std::string log() const;

  private:
    std::string m_dir;
    int m_port = 0;
    long m_pid = 0;
};

}  // namespace support
