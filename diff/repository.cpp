#include "diff/repository.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "diff/certificates.hpp"
#include "diff/git_handles.hpp"

namespace diff {
namespace detail {

std::string last_git_error() {
    const git_error* e = git_error_last();
    return e && e->message ? std::string(e->message) : std::string("unknown error");
}

std::unexpected<common::Error> git_failure(const std::string& doing) {
    return common::fail(common::ErrorCode::external, doing + ": " + last_git_error());
}

std::string to_hex(const git_oid& id) {
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, &id);
    return buf;
}

}  // namespace detail

using namespace detail;
using common::ErrorCode;
using common::fail;

namespace {

common::Result<git_oid> parse_oid(const std::string& hex) {
    git_oid id;
    if (git_oid_fromstr(&id, hex.c_str()) != 0) return git_failure("parsing object id " + hex);
    return id;
}

}  // namespace

common::Result<TreeHandle> detail::commit_tree(git_repository* repo, const std::string& commit_id) {
    auto id = parse_oid(commit_id);
    if (!id) return std::unexpected(id.error());
    git_commit* commit_raw = nullptr;
    if (git_commit_lookup(&commit_raw, repo, &*id) != 0) {
        return git_failure("reading commit " + commit_id);
    }
    CommitHandle commit(commit_raw);
    git_tree* tree = nullptr;
    if (git_commit_tree(&tree, commit.get()) != 0) {
        return git_failure("reading the tree of " + commit_id);
    }
    return TreeHandle(tree);
}

namespace {

// True while git_libgit2_init runs (one thread: the guard below is a function-local static).
bool initialising_libgit2 = false;

}  // namespace

// git_libgit2_init of Debian's libgit2 (built with mbedTLS) parses the whole system CA bundle
// (~150 certificates: 10-15 ms, more than git needs for a whole small diff) for network code
// slipway never runs. Where libgit2 is linked from its static archive, the link wraps
// mbedTLS's certificate loaders (cmake/dependencies.cmake: --wrap), and these wrappers skip
// the loads made during initialisation. TLS itself is still set up: a libgit2 HTTPS
// connection would fail certificate verification rather than trust anything, and an explicit
// GIT_OPT_SET_SSL_CERT_LOCATIONS still loads: diff/certificates.cpp does, from git's CA
// settings, before a fetch over HTTPS (slipway serve). Without the wrap (shared libgit2)
// the weak references stay null, these functions are never called, and nothing changes.
extern "C" int __real_mbedtls_x509_crt_parse_file(void* chain, const char* path)
    __attribute__((weak));
extern "C" int __real_mbedtls_x509_crt_parse_path(void* chain, const char* path)
    __attribute__((weak));
extern "C" int __wrap_mbedtls_x509_crt_parse_file(void* chain, const char* path) {
    if (initialising_libgit2 || !__real_mbedtls_x509_crt_parse_file) return 0;
    return __real_mbedtls_x509_crt_parse_file(chain, path);
}
extern "C" int __wrap_mbedtls_x509_crt_parse_path(void* chain, const char* path) {
    if (initialising_libgit2 || !__real_mbedtls_x509_crt_parse_path) return 0;
    return __real_mbedtls_x509_crt_parse_path(chain, path);
}

namespace detail {

bool ca_loaders_wrapped() {
    return __real_mbedtls_x509_crt_parse_file != nullptr;
}

}  // namespace detail

namespace {

// libgit2 is initialised once per process and shut down at exit; every Repository goes
// through here, so callers (the CLI, tests, benchmarks) need no set-up of their own.
void ensure_libgit2() {
    struct Guard {
        Guard() {
            initialising_libgit2 = true;
            git_libgit2_init();
            initialising_libgit2 = false;
            // git itself does not re-hash objects it reads; libgit2 does by default, which
            // costs more than the whole diff. Corruption still surfaces as a zlib or
            // object-format error.
            git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
            git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
        }
        ~Guard() { git_libgit2_shutdown(); }
    };
    static Guard guard;
}

}  // namespace

namespace {

// Whether `dir` or a folder above it could hold a repository: a `.git` entry, or the HEAD,
// objects and refs of a bare one. When none does, libgit2 would search the same way and
// fail, so open() fails at once, without initialising libgit2 (whose start-up loads the
// system's CA bundle for network code slipway never uses).
bool may_hold_repository(const std::filesystem::path& dir) {
    std::error_code ec;
    auto at = std::filesystem::absolute(dir, ec);
    if (ec) return true;
    for (;; at = at.parent_path()) {
        if (std::filesystem::exists(at / ".git", ec)) return true;
        if (std::filesystem::is_regular_file(at / "HEAD", ec) &&
            std::filesystem::is_directory(at / "objects", ec) &&
            std::filesystem::is_directory(at / "refs", ec))
            return true;
        if (at == at.parent_path()) return false;
    }
}

}  // namespace

void Repository::Deleter::operator()(git_repository* repo) const noexcept {
    git_repository_free(repo);
}

common::Result<Repository> Repository::open(const std::filesystem::path& dir) {
    if (!may_hold_repository(dir)) {
        return fail(ErrorCode::input,
                    "not a git repository (or any parent up to /): " + dir.string());
    }
    ensure_libgit2();
    git_repository* raw = nullptr;
    int rc = git_repository_open_ext(&raw, dir.c_str(), 0, nullptr);
    if (rc == GIT_ENOTFOUND) {
        return fail(ErrorCode::input,
                    "not a git repository (or any parent up to /): " + dir.string());
    }
    if (rc != 0) return git_failure("opening repository " + dir.string());
    return Repository(raw);
}

std::filesystem::path Repository::root() const {
    const char* work = git_repository_workdir(m_repo.get());
    std::filesystem::path p = work ? work : git_repository_path(m_repo.get());
    return p.parent_path();  // both end in '/'
}

std::string Repository::current_branch() const {
    git_reference* raw = nullptr;
    if (git_repository_head(&raw, m_repo.get()) != 0) return "";
    ReferenceHandle head(raw);
    if (!git_reference_is_branch(head.get())) return "";
    return git_reference_shorthand(head.get());
}

bool Repository::is_bare() const {
    return git_repository_is_bare(m_repo.get()) == 1;
}

bool Repository::is_shallow() const {
    return git_repository_is_shallow(m_repo.get()) == 1;
}

common::Result<std::string> Repository::resolve_commit(const std::string& ref) const {
    git_object* raw = nullptr;
    int rc = git_revparse_single(&raw, m_repo.get(), ref.c_str());
    ObjectHandle object(raw);
    // libgit2 calls any hex word shorter than 4 characters "ambiguous"; git calls it unknown.
    if (rc == GIT_EAMBIGUOUS && ref.size() >= GIT_OID_MINPREFIXLEN) {
        return fail(ErrorCode::input, "ref '" + ref + "' is ambiguous: give more characters");
    }
    if (rc != 0) {
        return fail(ErrorCode::input,
                    "unknown ref '" + ref + "'" + common::did_you_mean(ref, ref_names()));
    }
    git_object* peeled_raw = nullptr;
    if (git_object_peel(&peeled_raw, object.get(), GIT_OBJECT_COMMIT) != 0) {
        return fail(ErrorCode::input, "ref '" + ref + "' names a " +
                                          git_object_type2string(git_object_type(object.get())) +
                                          ", not a commit");
    }
    ObjectHandle peeled(peeled_raw);
    return to_hex(*git_object_id(peeled.get()));
}

common::Result<std::string> Repository::merge_base(const std::string& base_ref,
                                                   const std::string& base_id,
                                                   const std::string& head_ref,
                                                   const std::string& head_id) const {
    auto a = parse_oid(base_id);
    auto b = parse_oid(head_id);
    if (!a || !b) return std::unexpected(a ? b.error() : a.error());
    git_oid out;
    int rc = git_merge_base(&out, m_repo.get(), &*a, &*b);
    if (rc == 0) return to_hex(out);
    if (is_shallow()) {
        // libgit2 cannot walk past a shallow boundary; the merge base is outside the clone.
        return fail(ErrorCode::input,
                    "no merge base of '" + base_ref + "' and '" + head_ref +
                        "' in this shallow clone: run 'git fetch --unshallow' (or clone with "
                        "full history: CodeBuild 'git-clone-depth: 0', GitHub Actions "
                        "'fetch-depth: 0')");
    }
    if (rc == GIT_ENOTFOUND) {
        return fail(ErrorCode::input, "'" + base_ref + "' and '" + head_ref +
                                          "' have no merge base (unrelated histories): use "
                                          "--two-dot to compare the two trees directly");
    }
    return git_failure("finding the merge base of '" + base_ref + "' and '" + head_ref + "'");
}

common::Result<bool> Repository::contains(const std::string& descendant,
                                          const std::string& ancestor) const {
    auto d = parse_oid(descendant);
    auto a = parse_oid(ancestor);
    if (!d || !a) return std::unexpected(d ? a.error() : d.error());
    for (const auto& [oid, text] : {std::pair{&*d, &descendant}, std::pair{&*a, &ancestor}}) {
        git_commit* raw = nullptr;
        if (git_commit_lookup(&raw, m_repo.get(), oid) != 0)
            return fail(ErrorCode::input, "commit " + text->substr(0, 12) +
                                              " is not in this repository" +
                                              (is_shallow() ? " (a shallow clone)" : ""));
        CommitHandle found(raw);
    }
    if (git_oid_equal(&*d, &*a)) return true;
    const int rc = git_graph_descendant_of(m_repo.get(), &*d, &*a);
    if (rc < 0) return git_failure("walking the history of " + descendant.substr(0, 12));
    return rc == 1;
}

common::Result<std::vector<TreeEntry>> Repository::list_files_with_ids(
    const std::string& commit_id) const {
    auto tree = commit_tree(m_repo.get(), commit_id);
    if (!tree) return std::unexpected(tree.error());
    std::vector<TreeEntry> files;
    auto visit = [](const char* root, const git_tree_entry* entry, void* payload) -> int {
        if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) return 0;
        auto* out = static_cast<std::vector<TreeEntry>*>(payload);
        out->push_back({std::string(root) + git_tree_entry_name(entry),
                        to_hex(*git_tree_entry_id(entry)),
                        static_cast<std::uint32_t>(git_tree_entry_filemode(entry))});
        return 0;
    };
    if (git_tree_walk(tree->get(), GIT_TREEWALK_PRE, visit, &files) != 0) {
        return git_failure("listing the files of " + commit_id);
    }
    std::sort(files.begin(), files.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
    return files;
}

common::Result<std::vector<std::string>> Repository::list_files(
    const std::string& commit_id) const {
    auto files = list_files_with_ids(commit_id);
    if (!files) return std::unexpected(files.error());
    std::vector<std::string> paths;
    paths.reserve(files->size());
    for (auto& f : *files) paths.push_back(std::move(f.path));
    return paths;
}

common::Result<std::string> Repository::read_file(const std::string& commit_id,
                                                  const std::string& path) const {
    auto tree = commit_tree(m_repo.get(), commit_id);
    if (!tree) return std::unexpected(tree.error());
    git_tree_entry* entry_raw = nullptr;
    if (git_tree_entry_bypath(&entry_raw, tree->get(), path.c_str()) != 0) {
        return fail(ErrorCode::input,
                    "no file '" + path + "' in commit " + commit_id.substr(0, 12));
    }
    GitHandle<git_tree_entry, git_tree_entry_free> entry(entry_raw);
    git_object* blob_raw = nullptr;
    if (git_tree_entry_to_object(&blob_raw, m_repo.get(), entry.get()) != 0 ||
        git_object_type(blob_raw) != GIT_OBJECT_BLOB) {
        git_object_free(blob_raw);
        return fail(ErrorCode::input,
                    "'" + path + "' is not a file in commit " + commit_id.substr(0, 12));
    }
    ObjectHandle blob(blob_raw);
    auto* b = reinterpret_cast<git_blob*>(blob.get());
    return std::string(static_cast<const char*>(git_blob_rawcontent(b)),
                       static_cast<std::size_t>(git_blob_rawsize(b)));
}

bool Repository::config_bool(const std::string& key, bool fallback) const {
    git_config* raw = nullptr;
    if (git_repository_config_snapshot(&raw, m_repo.get()) != 0) return fallback;
    ConfigHandle config(raw);
    int value = 0;
    bool found = git_config_get_bool(&value, config.get(), key.c_str()) == 0;
    git_error_clear();
    return found ? value != 0 : fallback;
}

std::string Repository::config_string(const std::string& key) const {
    git_config* raw = nullptr;
    if (git_repository_config_snapshot(&raw, m_repo.get()) != 0) return "";
    ConfigHandle config(raw);
    const char* value = nullptr;
    std::string out;
    if (git_config_get_string(&value, config.get(), key.c_str()) == 0 && value) out = value;
    git_error_clear();
    return out;
}

common::Result<std::vector<std::string>> Repository::work_tree_files() const {
    if (is_bare())
        return fail(ErrorCode::input, "the repository at " + root().string() + " has no work tree");
    git_status_options opts = GIT_STATUS_OPTIONS_INIT;
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                 GIT_STATUS_OPT_INCLUDE_UNMODIFIED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list* list_raw = nullptr;
    if (git_status_list_new(&list_raw, m_repo.get(), &opts) != 0)
        return git_failure("listing the files of the work tree");
    GitHandle<git_status_list, git_status_list_free> list(list_raw);
    std::vector<std::string> files;
    for (std::size_t i = 0, n = git_status_list_entrycount(list.get()); i < n; ++i) {
        const git_status_entry* e = git_status_byindex(list.get(), i);
        if (e->status & (GIT_STATUS_WT_DELETED | GIT_STATUS_IGNORED)) continue;
        const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
        if (d == nullptr || d->new_file.path == nullptr) continue;
        if ((e->status & GIT_STATUS_INDEX_DELETED) && !(e->status & GIT_STATUS_WT_NEW)) continue;
        files.emplace_back(d->new_file.path);
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

std::vector<std::string> Repository::ref_names() const {
    std::vector<std::string> names;
    git_reference_iterator* iter_raw = nullptr;
    if (git_reference_iterator_new(&iter_raw, m_repo.get()) != 0) return names;
    ReferenceIteratorHandle iter(iter_raw);
    const char* name = nullptr;
    while (git_reference_next_name(&name, iter.get()) == 0) {
        std::string_view full = name;
        for (std::string_view prefix : {"refs/heads/", "refs/remotes/", "refs/tags/"}) {
            if (full.starts_with(prefix)) names.emplace_back(full.substr(prefix.size()));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string hash_text(std::string_view text) {
    ensure_libgit2();
    git_oid id;
    git_odb_hash(&id, text.data(), text.size(), GIT_OBJECT_BLOB);
    return to_hex(id);
}

}  // namespace diff
