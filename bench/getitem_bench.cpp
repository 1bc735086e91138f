// 100 sequential DynamoDB GetItem calls through slipway's AWS client (one client, so one
// kept-alive connection), against the endpoint in AWS_ENDPOINT_URL; prints milliseconds
// per call. Driven by bench/getitem_vs_cli.py, which runs the aws CLI the same way.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aws/client.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: getitem_bench TABLE CALLS\n");
        return 2;
    }
    aws::ClientOptions o;
    o.region = "us-east-1";
    o.credentials = aws::static_credentials({"AKIDBENCH", "bench-secret", ""});
    aws::Client client(o);
    const std::string body =
        std::string(R"({"TableName":")") + argv[1] +
        R"(","Key":{"pk":{"S":"bench"},"sk":{"S":"item"}},"ConsistentRead":true})";
    const int calls = std::atoi(argv[2]);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
        auto r = client.json(aws::dynamodb_service(), "DynamoDB_20120810",
                             {"GetItem", "dynamodb:GetItem"}, body);
        if (!r || r->find("\"Item\"") == std::string::npos) {
            std::fprintf(stderr, "GetItem failed: %s\n",
                         r ? r->c_str() : r.error().message.c_str());
            return 1;
        }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.3f\n", ms / calls);
    return 0;
}
