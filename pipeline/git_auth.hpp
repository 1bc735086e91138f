#pragma once
// How `slipway serve` authenticates to its git remote. A CodeCommit HTTPS remote
// (https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME) gets git-remote-codecommit's
// credentials: a SigV4 signature made with the AWS credential chain's current credentials
// (the ECS task role, the instance profile, ...), so no IAM user's Git password is needed
// (aws/codecommit.hpp). Any other remote gets none from here (git's own settings apply).
#include "aws/config.hpp"
#include "diff/remote.hpp"

namespace pipeline {

/// The provider diff::fetch asks. Errors: the credential chain's (no credentials: exit 4).
diff::CredentialProvider git_credentials(aws::Env env = aws::process_env());

}  // namespace pipeline
