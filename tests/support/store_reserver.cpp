// Test helper: reserves N build numbers for one component on one store and prints them,
// one per line. Several of these run at once in the concurrency test.
#include <cstdio>
#include <cstdlib>

#include "versioning/version_store.hpp"

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: store_reserver URL COMPONENT COUNT\n");
        return 2;
    }
    auto store = versioning::open_store(argv[1], "/");
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message.c_str());
        return 1;
    }
    for (int i = 0, n = std::atoi(argv[3]); i < n; ++i) {
        auto b =
            (*store)->reserve_build({argv[2], "c", "h", "run", i, ""}, [](auto) { return "img"; });
        if (!b) {
            std::fprintf(stderr, "%s\n", b.error().message.c_str());
            return 1;
        }
        std::printf("%lld\n", static_cast<long long>(b->build_number));
    }
    return 0;
}
