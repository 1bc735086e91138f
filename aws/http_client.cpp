#include "aws/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace aws {
namespace {

void ensure_curl() {
    struct Guard {
        Guard() { curl_global_init(CURL_GLOBAL_DEFAULT); }
        ~Guard() { curl_global_cleanup(); }
    };
    static Guard guard;
}

struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    std::string_view line(data, size * count);
    auto* headers = static_cast<Headers*>(user);
    if (line.starts_with("HTTP/")) headers->clear();  // a new response (after 100-continue)
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() &&
               (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

TransportFailure classify(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransportFailure::connect;
        case CURLE_OPERATION_TIMEDOUT:
            return TransportFailure::timeout;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            return TransportFailure::dropped;
        default:
            return TransportFailure::other;
    }
}

}  // namespace

struct HttpClient::Handle {
    struct Deleter {
        void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
    };
    std::unique_ptr<CURL, Deleter> curl{curl_easy_init()};
};

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (same_name(k, name)) return v;
    }
    return "";
}

HttpClient::HttpClient(HttpOptions options) : m_options(std::move(options)) {
    ensure_curl();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::acquire() {
    std::lock_guard lock(m_mutex);
    if (m_idle.empty()) return std::make_unique<Handle>();
    auto h = std::move(m_idle.back());
    m_idle.pop_back();
    return h;
}

void HttpClient::release(std::unique_ptr<Handle> handle) {
    std::lock_guard lock(m_mutex);
    m_idle.push_back(std::move(handle));
}

std::expected<HttpResponse, TransportError> HttpClient::send(const HttpRequest& r) {
    auto handle = acquire();
    CURL* c = handle->curl.get();
    curl_easy_reset(c);  // keeps the connection cache
    HttpResponse response;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& [k, v] : r.headers)
        headers.reset(curl_slist_append(headers.release(), (k + ": " + v).c_str()));
    headers.reset(curl_slist_append(headers.release(), "Expect:"));  // no 100-continue round trip
    char error_text[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_options.ca_bundle.empty())
        curl_easy_setopt(c, CURLOPT_CAINFO, m_options.ca_bundle.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        const std::string why = error_text[0] ? error_text : curl_easy_strerror(rc);
        release(std::move(handle));
        return std::unexpected(TransportError{classify(rc), why});
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    release(std::move(handle));
    return response;
}

}  // namespace aws
