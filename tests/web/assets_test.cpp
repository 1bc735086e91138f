// The embedded web page (web_assets): every file of web/index.html and web/assets/ is found
// at its URL path with the same bytes as on disk, the right Content-Type and a strong ETag;
// anything else is not found.
#include "web/assets.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;

// The files the build embeds, as URL paths mapped to their file on disk.
std::map<std::string, fs::path> web_files() {
    const fs::path root = WEB_DIR;
    std::map<std::string, fs::path> files{{"/index.html", root / "index.html"}};
    for (const auto& entry : fs::recursive_directory_iterator(root / "assets")) {
        if (entry.is_regular_file())
            files["/" + fs::relative(entry.path(), root).generic_string()] = entry.path();
    }
    return files;
}

std::string bytes_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(WebAssets, EveryFileIsEmbeddedWithItsBytes) {
    const auto files = web_files();
    ASSERT_GE(files.size(), 5u) << "index.html, app.js, style.css and the pages' modules";
    for (const auto& [url, path] : files) {
        const web::Asset* asset = web::find_asset(url);
        ASSERT_NE(asset, nullptr) << url;
        EXPECT_EQ(asset->path, url);
        EXPECT_EQ(asset->body, bytes_of(path)) << url;
    }
}

TEST(WebAssets, ContentTypesFollowTheExtension) {
    const std::map<std::string, std::string> types{{".html", "text/html; charset=utf-8"},
                                                   {".js", "text/javascript; charset=utf-8"},
                                                   {".css", "text/css; charset=utf-8"},
                                                   {".svg", "image/svg+xml"},
                                                   {".png", "image/png"},
                                                   {".json", "application/json"}};
    for (const auto& [url, path] : web_files()) {
        const auto type = types.find(path.extension().string());
        ASSERT_NE(type, types.end()) << url << ": a file type the test does not know";
        EXPECT_EQ(web::find_asset(url)->content_type, type->second) << url;
    }
    EXPECT_EQ(web::find_asset("/index.html")->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(web::find_asset("/assets/app.js")->content_type, "text/javascript; charset=utf-8");
}

TEST(WebAssets, EtagsAreQuotedAndFollowTheBytes) {
    std::set<std::string_view> etags;
    std::set<std::string> bodies;
    for (const auto& [url, path] : web_files()) {
        const auto etag = web::find_asset(url)->etag;
        ASSERT_GE(etag.size(), 18u) << url;
        EXPECT_EQ(etag.front(), '"');
        EXPECT_EQ(etag.back(), '"');
        etags.insert(etag);
        bodies.insert(bytes_of(path));
    }
    EXPECT_EQ(etags.size(), bodies.size()) << "one ETag per distinct content";
}

TEST(WebAssets, OnlyExactPathsAreFound) {
    for (const char* path :
         {"", "/", "/index", "/index.html/", "/assets", "/assets/", "/assets/app", "/ASSETS/app.js",
          "assets/app.js", "/api/project", "/assets/../index.html", "/zzz"}) {
        EXPECT_EQ(web::find_asset(path), nullptr) << path;
    }
    EXPECT_NE(web::find_asset("/assets/app.js"), nullptr);
}

}  // namespace
