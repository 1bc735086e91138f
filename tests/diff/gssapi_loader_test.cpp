// diff/gssapi_loader.cpp answers libgit2's GSSAPI calls by opening libgssapi_krb5 on first
// use. These call the loader's symbols as libgit2 does and check the real library answered:
// the mechanisms it lists include Kerberos, and the host-based service name type (the
// loader's own copy of the OID) is accepted by gss_import_name.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace {

using OM_uint32 = std::uint32_t;
struct OidDesc {
    OM_uint32 length;
    const void* elements;
};
struct OidSet {
    std::size_t count;
    OidDesc* elements;
};
struct Buffer {
    std::size_t length;
    const void* value;
};

}  // namespace

extern "C" {
extern const void* GSS_C_NT_HOSTBASED_SERVICE;
OM_uint32 gss_indicate_mechs(OM_uint32* minor, OidSet** set);
OM_uint32 gss_release_oid_set(OM_uint32* minor, OidSet** set);
OM_uint32 gss_import_name(OM_uint32* minor, Buffer* buffer, const void* type, void** name);
OM_uint32 gss_release_name(OM_uint32* minor, void** name);
}

TEST(GssapiLoader, ForwardsToTheRealLibrary) {
    OM_uint32 minor = 0;
    OidSet* mechs = nullptr;
    ASSERT_EQ(gss_indicate_mechs(&minor, &mechs), 0u);
    ASSERT_NE(mechs, nullptr);
    const char krb5[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";  // 1.2.840.113554.1.2.2
    bool has_krb5 = false;
    for (std::size_t i = 0; i < mechs->count; ++i)
        has_krb5 |= mechs->elements[i].length == 9 &&
                    std::memcmp(mechs->elements[i].elements, krb5, 9) == 0;
    EXPECT_TRUE(has_krb5);
    EXPECT_EQ(gss_release_oid_set(&minor, &mechs), 0u);
}

TEST(GssapiLoader, TheHostBasedServiceNameTypeIsAccepted) {
    OM_uint32 minor = 0;
    const char service[] = "HTTP@git.example.com";
    Buffer buffer{sizeof service - 1, service};
    void* name = nullptr;
    ASSERT_EQ(gss_import_name(&minor, &buffer, GSS_C_NT_HOSTBASED_SERVICE, &name), 0u) << minor;
    EXPECT_NE(name, nullptr);
    EXPECT_EQ(gss_release_name(&minor, &name), 0u);
}
