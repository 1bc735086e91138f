// The page with inlined API answers (service/pages.hpp): the data block holds exactly the
// answers, whatever text they carry (`</script>`, `<!--`), so the HTML parser ends it where the
// server did; its ETag follows its bytes and revalidates to 304; routes without data, and
// assets, are the embedded files as before.
#include "service/pages.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace {

using service::InlineData;

constexpr std::string_view k_open = R"(<script type="application/json" id="slipway-data">)";

std::string header(const service::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

// The text between the block's opening tag and the first `</script` after it: where an HTML
// parser ends the element.
std::string block_text(const std::string& html) {
    const auto open = html.find(k_open);
    if (open == std::string::npos) return "<no block>";
    const auto start = open + k_open.size();
    return html.substr(start, html.find("</script", start) - start);
}

const InlineData k_hostile = {
    {"/api/project", R"({"name":"shop","commit_url":null})"},
    {"/api/runs?limit=10",
     R"({"runs":[{"actor":"</script><script>alert(1)</script>","trigger":"<!--<script>x","id":"r<1"}]})"},
};

TEST(PageData, TheBlockHoldsTheAnswersWhateverTextTheyCarry) {
    const auto r = service::page("/", "", k_hostile);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    const std::string text = block_text(r.body);
    EXPECT_EQ(text.find('<'), std::string::npos) << text;
    rapidjson::Document d;
    ASSERT_FALSE(d.Parse(text.c_str()).HasParseError()) << text;
    ASSERT_TRUE(d.IsObject());
    EXPECT_EQ(d.MemberCount(), 2u);
    EXPECT_STREQ(d["/api/project"]["name"].GetString(), "shop");
    const auto& run = d["/api/runs?limit=10"]["runs"][0];
    EXPECT_STREQ(run["actor"].GetString(), "</script><script>alert(1)</script>");
    EXPECT_STREQ(run["trigger"].GetString(), "<!--<script>x");
    EXPECT_STREQ(run["id"].GetString(), "r<1");
    // The rest of the page is index.html: one block, and the page's own script after it.
    EXPECT_EQ(r.body.find(k_open), r.body.rfind(k_open));
    EXPECT_NE(r.body.find("</body>", r.body.find(k_open)), std::string::npos);
    EXPECT_EQ(r.body.find("<!--slipway:data-->"), std::string::npos);
    EXPECT_FALSE(header(r, "Content-Security-Policy").empty());
}

TEST(PageData, ItsETagFollowsItsBytesAndRevalidates) {
    const auto plain = service::page("/");
    const auto a = service::page("/", "", k_hostile);
    const auto b = service::page("/", "", {{"/api/project", R"({"name":"other"})"}});
    const std::string etag = header(a, "ETag");
    ASSERT_TRUE(etag.starts_with('"') && etag.ends_with('"')) << etag;
    EXPECT_NE(etag, header(plain, "ETag"));
    EXPECT_NE(etag, header(b, "ETag"));
    EXPECT_EQ(etag, header(service::page("/", "", k_hostile), "ETag")) << "same data, same tag";
    EXPECT_EQ(header(a, "Cache-Control"), "no-cache");

    const auto again = service::page("/", etag, k_hostile);
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    const std::string br = etag.substr(0, etag.size() - 1) + "-br\"";  // as server.cpp names it
    EXPECT_EQ(service::page("/", "W/" + br, k_hostile).status, 304);
    EXPECT_EQ(service::page("/", header(plain, "ETag"), k_hostile).status, 200)
        << "index.html's tag is not this page's";
    EXPECT_EQ(service::page("/", etag, {{"/api/project", R"({"name":"other"})"}}).status, 200);
}

TEST(PageData, NoDataOrNoPageRouteIsTheEmbeddedFile) {
    const auto plain = service::page("/");
    const auto none = service::page("/", "", {});
    EXPECT_EQ(none.body, plain.body);
    EXPECT_EQ(header(none, "ETag"), header(plain, "ETag"));
    EXPECT_NE(plain.body.find("<!--slipway:data-->"), std::string::npos)
        << "index.html keeps the place for the data";
    const auto asset = service::page("/assets/app.js", "", k_hostile);
    EXPECT_EQ(asset.body, service::page("/assets/app.js").body);
    EXPECT_EQ(service::page("/nope", "", k_hostile).status, 404);
    // An unknown address gets the page itself with 404 (it shows a not-found page); an
    // unknown asset stays a plain 404.
    const auto missing = service::page("/no/such/page");
    EXPECT_EQ(missing.status, 404);
    EXPECT_TRUE(missing.content_type.starts_with("text/html")) << missing.content_type;
    EXPECT_NE(missing.body.find("<main id=\"main\""), std::string::npos);
    EXPECT_EQ(service::page("/assets/nope.js").status, 404);
    EXPECT_EQ(service::page("/assets/nope.js").content_type, "application/json");
}

}  // namespace
