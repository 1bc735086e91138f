// Which build commands may skip the shell: exactly those sh would run as one plain program.
#include <gtest/gtest.h>

#include "components/shell_words.hpp"

namespace {

using components::plain_words;
using Words = std::vector<std::string>;

TEST(PlainWords, PlainProgramInvocationsAreSplitIntoWords) {
    EXPECT_EQ(plain_words("sleep 0.05"), (Words{"sleep", "0.05"}));
    EXPECT_EQ(plain_words("  make\t-C build  all "), (Words{"make", "-C", "build", "all"}));
    EXPECT_EQ(plain_words("./scripts/build-image.sh --tag=v1,v2 user@host:/x 50%"),
              (Words{"./scripts/build-image.sh", "--tag=v1,v2", "user@host:/x", "50%"}));
    EXPECT_EQ(plain_words("/usr/bin/env"), (Words{"/usr/bin/env"}));
}

TEST(PlainWords, AnythingTheShellWouldInterpretNeedsTheShell) {
    for (const char* command : {"echo $HOME",
                                "echo \"a b\"",
                                "echo 'a'",
                                "a\\ b",
                                "ls *.txt",
                                "ls file?",
                                "ls [ab]",
                                "make > out",
                                "make < in",
                                "make | tee",
                                "make && deploy",
                                "make; deploy",
                                "make &",
                                "(make)",
                                "{ make; }",
                                "echo `date`",
                                "ls ~/x",
                                "ls ~",
                                "make # comment",
                                "! make",
                                "FOO=bar make",
                                "make\nsecond",
                                ""}) {
        EXPECT_FALSE(plain_words(command)) << command;
    }
}

TEST(PlainWords, ShellBuiltinsAndKeywordsKeepTheShell) {
    // dash's echo, printf, test, kill, pwd ... differ from the programs of the same name.
    for (const char* command :
         {"echo hi", "printf x", "test -f a", "[ -f a ]", "cd build", "exit 3", "true", "false",
          "exec make", "kill 1", "pwd", "if", "while", "set -e", "export A", ". ./env.sh", ": x"}) {
        EXPECT_FALSE(plain_words(command)) << command;
    }
}

}  // namespace
