#include "deploy/zip.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/git_repo.hpp"

namespace {

TEST(Zip, Crc32MatchesTheCheckValue) {
    EXPECT_EQ(deploy::crc32("123456789"), 0xCBF43926u);
}

TEST(Zip, FoldersZipDeterministicallyAndPythonReadsThem) {
    support::TempDir dir;
    std::filesystem::create_directories(dir.path() / "code/pkg");
    std::ofstream(dir.path() / "code/app.py") << "print('hi')\n";
    std::ofstream(dir.path() / "code/pkg/util.py") << "X = 1\n";
    auto a = deploy::zip_directory((dir.path() / "code").string());
    ASSERT_TRUE(a) << a.error().message;
    std::filesystem::last_write_time(
        dir.path() / "code/app.py",
        std::filesystem::file_time_type::clock::now() - std::chrono::hours(5));
    auto b = deploy::zip_directory((dir.path() / "code").string());
    EXPECT_EQ(*a, *b);  // times do not enter the archive
    std::ofstream(dir.path() / "out.zip", std::ios::binary) << *a;
    auto listed = support::run(
        "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
        "assert z.testzip() is None; print(sorted(z.namelist())); "
        "print(z.read('pkg/util.py').decode())\" " +
        support::shell_quote((dir.path() / "out.zip").string()));
    ASSERT_EQ(listed.status, 0) << listed.err;
    EXPECT_EQ(listed.out, "['app.py', 'pkg/util.py']\nX = 1\n\n");
}

}  // namespace
