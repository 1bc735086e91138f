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

// Compressible files are deflated (method 8), the rest stored (method 0); Python's zipfile
// reads both back byte for byte, and the executable bit survives.
TEST(Zip, DeflatesWhatShrinksAndStoresTheRest) {
    support::TempDir dir;
    std::filesystem::create_directories(dir.path() / "code");
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += "def handler(event, context): return " + std::to_string(i % 7) + "\n";
    std::ofstream(dir.path() / "code/app.py") << text;
    std::string noise;
    std::uint32_t x = 12345;
    for (int i = 0; i < 4096; ++i) noise += static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
    std::ofstream(dir.path() / "code/blob.bin", std::ios::binary) << noise;
    std::ofstream(dir.path() / "code/run.sh") << "#!/bin/sh\necho hi\n";
    std::filesystem::permissions(dir.path() / "code/run.sh", std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add);
    auto zip = deploy::zip_directory((dir.path() / "code").string());
    ASSERT_TRUE(zip) << zip.error().message;
    EXPECT_LT(zip->size(), text.size() / 10 + noise.size() + 1000);
    const auto out = dir.path() / "out.zip";
    std::ofstream(out, std::ios::binary) << *zip;
    auto read = support::run(
        "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
        "assert z.testzip() is None; "
        "print([(i.filename, i.compress_type, i.external_attr >> 16 & 0o111 != 0) "
        "for i in z.infolist()]); print(len(z.read('app.py')), len(z.read('blob.bin')))\" " +
        support::shell_quote(out.string()));
    ASSERT_EQ(read.status, 0) << read.err;
    EXPECT_EQ(read.out, "[('app.py', 8, False), ('blob.bin', 0, False), ('run.sh', 0, True)]\n" +
                            std::to_string(text.size()) + " 4096\n");
    auto app = support::run(
        "python3 -c \"import zipfile,sys; "
        "sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('app.py').decode())\" " +
        support::shell_quote(out.string()));
    ASSERT_EQ(app.status, 0) << app.err;
    EXPECT_EQ(app.out, text);
}

}  // namespace
