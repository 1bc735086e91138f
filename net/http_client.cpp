// libcurl is opened on the first request, not linked: with its ~30 libraries (Kerberos,
// LDAP, GnuTLS, which initialises itself as it loads) it was most of slipway's start-up,
// paid by every command although most never make a request. The functions used are looked
// up once; curl_global_init runs in the same one guard (cmake/dependencies.cmake says more).
#include "net/http_client.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>

namespace net {
namespace {

struct Curl {
    decltype(&curl_global_init) global_init = nullptr;
    decltype(&curl_global_cleanup) global_cleanup = nullptr;
    decltype(&curl_easy_init) easy_init = nullptr;
    decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&curl_easy_reset) easy_reset = nullptr;
    decltype(&curl_easy_setopt) easy_setopt = nullptr;
    decltype(&curl_easy_perform) easy_perform = nullptr;
    decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&curl_easy_strerror) easy_strerror = nullptr;
    decltype(&curl_slist_append) slist_append = nullptr;
    decltype(&curl_slist_free_all) slist_free_all = nullptr;
    std::string error;  // why it could not be loaded; "" when loaded
};

// libcurl, opened and initialised once per process (and cleaned up at exit); its error
// says why when it could not be opened.
const Curl& curl() {
    struct Guard {
        Curl api;
        Guard() {
            void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
            if (!lib) {
                api.error = std::string("cannot load libcurl.so.4: ") + ::dlerror();
                return;
            }
            auto bind = [&](auto& fn, const char* name) {
                fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
                if (!fn && api.error.empty()) api.error = std::string("libcurl lacks ") + name;
            };
            bind(api.global_init, "curl_global_init");
            bind(api.global_cleanup, "curl_global_cleanup");
            bind(api.easy_init, "curl_easy_init");
            bind(api.easy_cleanup, "curl_easy_cleanup");
            bind(api.easy_reset, "curl_easy_reset");
            bind(api.easy_setopt, "curl_easy_setopt");
            bind(api.easy_perform, "curl_easy_perform");
            bind(api.easy_getinfo, "curl_easy_getinfo");
            bind(api.easy_strerror, "curl_easy_strerror");
            bind(api.slist_append, "curl_slist_append");
            bind(api.slist_free_all, "curl_slist_free_all");
            if (api.error.empty()) api.global_init(CURL_GLOBAL_DEFAULT);
        }
        ~Guard() {
            if (api.error.empty()) api.global_cleanup();
        }
    };
    static Guard guard;
    return guard.api;
}

struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl().slist_free_all(l); }
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
        void operator()(CURL* c) const noexcept { net::curl().easy_cleanup(c); }
    };
    std::unique_ptr<CURL, Deleter> curl{net::curl().easy_init()};
};

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (same_name(k, name)) return v;
    }
    return "";
}

HttpClient::HttpClient(HttpOptions options) : m_options(std::move(options)) {}

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
    const Curl& api = curl();
    if (!api.error.empty())
        return std::unexpected(TransportError{TransportFailure::other, api.error});
    auto handle = acquire();
    CURL* c = handle->curl.get();
    if (!c)
        return std::unexpected(TransportError{TransportFailure::other, "curl_easy_init failed"});
    api.easy_reset(c);  // keeps the connection cache
    HttpResponse response;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& [k, v] : r.headers)
        headers.reset(api.slist_append(headers.release(), (k + ": " + v).c_str()));
    headers.reset(api.slist_append(headers.release(), "Expect:"));  // no 100-continue round trip
    char error_text[CURL_ERROR_SIZE] = {};
    api.easy_setopt(c, CURLOPT_URL, r.url.c_str());
    api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "HEAD") api.easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
        api.easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
        api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    api.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    api.easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    api.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    api.easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    api.easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_options.ca_bundle.empty())
        api.easy_setopt(c, CURLOPT_CAINFO, m_options.ca_bundle.c_str());
    api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                    static_cast<long>(m_options.connect_timeout.count()));
    api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    const CURLcode rc = api.easy_perform(c);
    if (rc != CURLE_OK) {
        const std::string why = error_text[0] ? error_text : api.easy_strerror(rc);
        release(std::move(handle));
        return std::unexpected(TransportError{classify(rc), why});
    }
    api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    release(std::move(handle));
    return response;
}

}  // namespace net
