#pragma once
// tests/support/git_https_server.py as a fixture: git's smart HTTP protocol over TLS on
// 127.0.0.1, serving the bare repositories under a folder, with a test CA made at start-up
// that nothing on the machine trusts. Stopped on destruction.
#include <string>

#include "support/git_repo.hpp"

namespace support {

class GitHttpsServer {
  public:
    /// Serves every repository under `project_root` (e.g. <root>/origin.git at
    /// url() + "/origin.git"); waits (30 s at most) until it listens. With
    /// `codecommit_secret`, every request must carry CodeCommit's SigV4-signed Basic
    /// credentials made with that secret key for `codecommit_region` (the script's header).
    explicit GitHttpsServer(const std::string& project_root,
                            const std::string& codecommit_secret = "",
                            const std::string& codecommit_region = "us-east-1");
    ~GitHttpsServer();
    GitHttpsServer(const GitHttpsServer&) = delete;
    GitHttpsServer& operator=(const GitHttpsServer&) = delete;

    [[nodiscard]] bool available() const { return m_pid > 0; }
    [[nodiscard]] const std::string& why_not() const { return m_why_not; }
    /// "https://localhost:PORT" (the certificate names localhost and 127.0.0.1).
    [[nodiscard]] const std::string& url() const { return m_url; }
    /// The test CA's certificate (PEM), the one that signed the server's.
    [[nodiscard]] std::string ca_file() const;
    /// The requests served, one "METHOD PATH STATUS" line each.
    [[nodiscard]] std::string requests() const;

  private:
    TempDir m_work;
    std::string m_url;
    std::string m_why_not;
    long m_pid = 0;
};

}  // namespace support
