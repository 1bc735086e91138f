#pragma once
// One AWS API operation as a call site names it: the operation ("TransactWriteItems") and
// the IAM actions the caller's policy must allow for it, space-separated
// ("dynamodb:ConditionCheckItem dynamodb:DeleteItem dynamodb:PutItem dynamodb:UpdateItem").
// Every request slipway makes goes through a Client method that takes an Operation, and the
// constructor is consteval, so each call site spells both out as literals, once:
//
//     call({"DescribeStacks", "cloudformation:DescribeStacks"}, params)
//
// tests/manifests/iam_policy_test.py reads every `{"Operation", "service:Action ..."}` of
// the sources and checks the example policies allow each action (or say why they need not),
// so a new call without its policy line fails a test. An AccessDenied answer names the
// actions (aws/client.cpp), so a user sees which permission their role lacks.
//
// An operation that needs no IAM permission of the caller (STS's AssumeRoleWithWebIdentity,
// authorised by the role's trust policy; the SSO portal, by its bearer token) names
// "none:<why>" instead.
#include <string_view>

namespace aws {

struct Operation {
    std::string_view name;  // the API's operation name
    std::string_view iam;   // the IAM actions, space-separated ("none:..." for none)

    consteval Operation(const char* operation, const char* actions)
        : name(operation), iam(actions) {
        // A malformed literal stops the build: these throws are not constant expressions.
        if (name.empty()) throw "aws::Operation: no operation name";
        if (iam.find(':') == std::string_view::npos || iam.front() == ' ' || iam.back() == ' ')
            throw "aws::Operation: IAM actions are service:Action words";
    }
};

}  // namespace aws
