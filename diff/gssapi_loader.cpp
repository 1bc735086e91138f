// libgit2's GSSAPI calls, answered by a libgssapi_krb5 opened on first use.
//
// Debian's libgit2 supports HTTP "Negotiate" (Kerberos/SPNEGO) authentication through MIT
// GSSAPI, and its static archive therefore references eight gss_* functions and one OID
// constant. Linking libgssapi_krb5 for them loads six shared libraries (Kerberos, its crypto,
// com_err, keyutils, resolv) into every run of slipway, ~1.2 ms of each start
// (bench/startup.py), for an authentication scheme used only by a fetch from a Kerberos-
// protected HTTPS remote. Where libgit2 is linked statically (cmake/dependencies.cmake), this
// file defines those symbols instead: each opens libgssapi_krb5.so.2 on its first call and
// forwards to the real function. If the library cannot be opened every call fails with
// GSS_S_FAILURE, which libgit2 reports as a failed Negotiate authentication. (libcurl, which
// the package depends on, depends on the same library, so an installed slipway has it.)
//
// The declarations are written out because Debian's GSSAPI headers (libkrb5-dev) are not a
// build dependency: every argument is a pointer or a 32-bit OM_uint32, so the C calling
// convention matches the real prototypes of RFC 2744 exactly.
#include <dlfcn.h>

#include <cstdint>
#include <mutex>

namespace {

using OM_uint32 = std::uint32_t;
constexpr OM_uint32 k_gss_s_failure = 13u << 16;  // GSS_S_FAILURE (RFC 2744, 3.9.1)

// gss_OID_desc: the OID of GSS_C_NT_HOSTBASED_SERVICE, 1.2.840.113554.1.2.1.4 (RFC 2744,
// 4.1). MIT GSSAPI compares name types by value, so a copy of the constant is as good as its.
struct OidDesc {
    OM_uint32 length;
    const void* elements;
};
const OidDesc k_hostbased_service{10, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};

void* gssapi_library() {
    static void* handle = nullptr;
    static std::once_flag once;
    std::call_once(once, [] { handle = ::dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL); });
    return handle;
}

// The real function `name` of libgssapi_krb5 as a pointer of type F, or nullptr.
template <typename F>
F real(const char* name) {
    void* library = gssapi_library();
    return library ? reinterpret_cast<F>(::dlsym(library, name)) : nullptr;
}

}  // namespace

// Forwards gss_<name> with its arguments, or fails as GSS_S_FAILURE with a zero minor status.
#define SLIPWAY_GSS_FORWARD(name, params, args) \
    extern "C" OM_uint32 name params noexcept { \
        using F = OM_uint32(*) params;          \
        static const F f = real<F>(#name);      \
        if (!f) {                               \
            if (minor) *minor = 0;              \
            return k_gss_s_failure;             \
        }                                       \
        return f args;                          \
    }

extern "C" {
// The constant libgit2 passes to gss_import_name (a gss_OID: a pointer to the OID).
const void* GSS_C_NT_HOSTBASED_SERVICE = &k_hostbased_service;
}

SLIPWAY_GSS_FORWARD(gss_import_name, (OM_uint32 * minor, void* buffer, void* type, void** name),
                    (minor, buffer, type, name))
SLIPWAY_GSS_FORWARD(gss_release_name, (OM_uint32 * minor, void** name), (minor, name))
SLIPWAY_GSS_FORWARD(gss_release_buffer, (OM_uint32 * minor, void* buffer), (minor, buffer))
SLIPWAY_GSS_FORWARD(gss_release_oid_set, (OM_uint32 * minor, void** set), (minor, set))
SLIPWAY_GSS_FORWARD(gss_indicate_mechs, (OM_uint32 * minor, void** set), (minor, set))
SLIPWAY_GSS_FORWARD(gss_delete_sec_context, (OM_uint32 * minor, void** context, void* token),
                    (minor, context, token))
SLIPWAY_GSS_FORWARD(gss_display_status,
                    (OM_uint32 * minor, OM_uint32 status, int type, void* mech, OM_uint32* context,
                     void* string),
                    (minor, status, type, mech, context, string))
SLIPWAY_GSS_FORWARD(gss_init_sec_context,
                    (OM_uint32 * minor, void* credential, void** context, void* target, void* mech,
                     OM_uint32 flags, OM_uint32 lifetime, void* bindings, void* input,
                     void** actual_mech, void* output, OM_uint32* ret_flags, OM_uint32* time_rec),
                    (minor, credential, context, target, mech, flags, lifetime, bindings, input,
                     actual_mech, output, ret_flags, time_rec))
#undef SLIPWAY_GSS_FORWARD
