#pragma once
// An AWS service error, and how it reads in one line.
#include <string>

#include "common/error.hpp"

namespace aws {

struct ServiceError {
    std::string service;    // "dynamodb"
    std::string operation;  // "PutItem"
    long http_status = 0;
    std::string code;  // "ConditionalCheckFailedException"
    std::string message;
    std::string request_id;
};

/// "dynamodb PutItem: ConditionalCheckFailedException: The conditional request failed
/// (request id ABC)", as an external error (exit 4).
common::Error to_error(const ServiceError& e);

/// Reads the error out of a response body: JSON (`__type`/`message`, JSON 1.0 and REST
/// JSON) or XML (`<Error><Code>`, Query and S3). Missing parts stay empty.
ServiceError parse_service_error(std::string_view body, long http_status, std::string request_id);

}  // namespace aws
