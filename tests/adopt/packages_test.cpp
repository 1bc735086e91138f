// Workspace patterns and package manifests (npm, pnpm, yarn, Python, Go), on in-memory files.
#include <gtest/gtest.h>

#include "adopt/packages.hpp"
#include "repo_files.hpp"

namespace {

using adopt::PackageKind;

TEST(WorkspaceMatch, SegmentsStarsAndGlobstars) {
    EXPECT_TRUE(adopt::workspace_match("packages/*", "packages/a"));
    EXPECT_FALSE(adopt::workspace_match("packages/*", "packages/a/b"));
    EXPECT_FALSE(adopt::workspace_match("packages/*", "packages"));
    EXPECT_TRUE(adopt::workspace_match("./apps/**", "apps/web/admin"));
    EXPECT_TRUE(adopt::workspace_match("apps/**/svc-?", "apps/x/y/svc-1"));
    EXPECT_TRUE(adopt::workspace_match("tools/cli/", "tools/cli"));
    EXPECT_TRUE(adopt::workspace_match("libs/*/package.json", "libs/ui"));
    EXPECT_FALSE(adopt::workspace_match("packages/*", "packages/.hidden"));
}

TEST(WorkspacePatterns, NpmYarnAndPnpm) {
    EXPECT_EQ(adopt::workspace_patterns(R"({"workspaces": ["packages/*", "apps/web"]})", ""),
              (std::vector<std::string>{"packages/*", "apps/web"}));
    EXPECT_EQ(adopt::workspace_patterns(R"({"workspaces": {"packages": ["libs/*"]}})", ""),
              (std::vector<std::string>{"libs/*"}));
    EXPECT_EQ(adopt::workspace_patterns("", "packages:\n  - 'apps/*'\n  - '!apps/legacy'\n"),
              (std::vector<std::string>{"apps/*", "!apps/legacy"}));
    EXPECT_TRUE(adopt::workspace_patterns("not json", ": not yaml [").empty());
}

TEST(FindPackages, NpmWorkspacesWithDependenciesBetweenThem) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"package.json", R"({"private": true, "workspaces": ["packages/*", "apps/*"]})"},
        {"packages/common/package.json", R"({"name": "@acme/common"})"},
        {"packages/ui/package.json",
         R"({"name": "@acme/ui", "dependencies": {"@acme/common": "workspace:*", "react": "18"}})"},
        {"apps/web/package.json",
         R"({"name": "web", "devDependencies": {"@acme/ui": "*"}, "peerDependencies": {"@acme/common": "*"}})"},
        {"tools/x/package.json", R"({"name": "not-a-workspace"})"},
        {"packages/broken/package.json", "{"},
        {"node_modules/y/package.json", R"({"name": "y"})"},
    };
    std::vector<std::string> notes;
    auto found = adopt::find_packages(repo.paths(), repo.reader(), notes);
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0].folder, "apps/web");
    // devDependencies are development tools, not depends_on.
    EXPECT_EQ(found[0].depends_on, (std::vector<std::string>{"packages/common"}));
    EXPECT_EQ(found[0].dev_depends_on, (std::vector<std::string>{"packages/ui"}));
    EXPECT_EQ(found[1].folder, "packages/common");
    EXPECT_TRUE(found[1].depends_on.empty());
    EXPECT_EQ(found[2].name, "@acme/ui");
    EXPECT_EQ(found[2].depends_on, (std::vector<std::string>{"packages/common"}));
    EXPECT_EQ(found[2].manifest, "packages/ui/package.json");
    EXPECT_EQ(notes,
              (std::vector<std::string>{"packages/broken/package.json: not valid JSON; skipped"}));
}

TEST(FindPackages, PnpmExclusions) {
    adopt_test::RepoFiles repo;
    repo.text = {{"pnpm-workspace.yaml", "packages:\n  - 'apps/*'\n  - '!apps/legacy'\n"},
                 {"apps/a/package.json", "{}"},
                 {"apps/legacy/package.json", "{}"}};
    std::vector<std::string> notes;
    auto found = adopt::find_packages(repo.paths(), repo.reader(), notes);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].folder, "apps/a");
}

TEST(FindPackages, GoModulesByRequireAndLocalReplace) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"go.mod", "module example.com/root\n"},  // the root is no component
        {"services/api/go.mod",
         "module example.com/api // the API\n\ngo 1.22\n\nrequire (\n\texample.com/lib v0.0.0\n"
         "\tgithub.com/x/y v1.2.3\n)\n"},
        {"services/worker/go.mod",
         "module \"example.com/worker\"\nrequire example.com/other v1\n"
         "replace example.com/other => ../../libs/other\n"},
        {"libs/lib/go.mod", "module example.com/lib\n"},
        {"libs/other/go.mod", "module example.com/other\n"},
    };
    std::vector<std::string> notes;
    auto found = adopt::find_packages(repo.paths(), repo.reader(), notes);
    ASSERT_EQ(found.size(), 4u);
    EXPECT_EQ(found[2].folder, "services/api");
    EXPECT_EQ(found[2].kind, PackageKind::go);
    EXPECT_EQ(found[2].name, "example.com/api");
    EXPECT_EQ(found[2].depends_on, (std::vector<std::string>{"libs/lib"}));
    EXPECT_EQ(found[3].name, "example.com/worker");
    EXPECT_EQ(found[3].depends_on, (std::vector<std::string>{"libs/other"}));
}

TEST(FindPackages, PythonPathDependencies) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"pyproject.toml", "[project]\nname = \"root\"\n"},
        {"jobs/train/pyproject.toml",
         "[project]\nname = \"train\"\ndependencies = [\"numpy\"]\n\n[tool.uv.sources]\n"
         "shared = { path = \"../../libs/shared\", editable = true }\n"},
        {"libs/shared/pyproject.toml", "[tool.poetry]\nname = 'shared'\n"},
    };
    std::vector<std::string> notes;
    auto found = adopt::find_packages(repo.paths(), repo.reader(), notes);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].name, "train");
    EXPECT_EQ(found[0].kind, PackageKind::python);
    EXPECT_EQ(found[0].depends_on, (std::vector<std::string>{"libs/shared"}));
    EXPECT_EQ(found[1].name, "shared");
}

}  // namespace
