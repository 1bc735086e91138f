#pragma once
// A scripted HTTP server on 127.0.0.1 for client tests: each accepted connection takes the
// next step of the script (answer with a status, headers and body, or drop the connection
// without answering) and every request received is kept for inspection.
#include <atomic>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace support {

struct ScriptedReply {
    bool drop = false;  // close the connection without answering
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// A step that closes the connection without answering.
inline ScriptedReply dropped_connection() {
    ScriptedReply r;
    r.drop = true;
    return r;
}

/// Scripts per AWS Query action (the request's `Action=`): each action takes the next step of
/// its own script (repeating its last), so a test does not depend on the order of calls of
/// different actions. An action without a script is answered 400 InvalidAction.
using ActionScripts = std::map<std::string, std::vector<ScriptedReply>>;

class ScriptedServer {
  public:
    /// Serves `script` in order; once it runs out, repeats its last step.
    explicit ScriptedServer(std::vector<ScriptedReply> script);
    /// The same from a braced list of steps (`ScriptedServer s({{false, 500, {}, ""}, ok})`):
    /// without it such a list could also read as ActionScripts and the call is ambiguous.
    explicit ScriptedServer(std::initializer_list<ScriptedReply> script)
        : ScriptedServer(std::vector<ScriptedReply>(script)) {}
    /// Serves each action from its own script. In a reply body, "{{ClientRequestToken}}"
    /// becomes the ClientRequestToken of the latest request that carried one (as
    /// CloudFormation stamps an operation's events with the token it was started with).
    explicit ScriptedServer(ActionScripts scripts);
    ~ScriptedServer();

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    /// The raw requests received so far (request line, headers, body).
    [[nodiscard]] std::vector<std::string> requests() const;

  private:
    void serve();

    ScriptedReply next_reply(const std::string& request);

    std::vector<ScriptedReply> m_script;
    ActionScripts m_by_action;
    std::map<std::string, std::size_t> m_steps;  // per action
    std::size_t m_step = 0;
    std::string m_token;  // the latest ClientRequestToken seen
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_requests;
    std::thread m_thread;
};

}  // namespace support
