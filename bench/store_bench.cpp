// The SQLite version store: reserving and recording 10,000 builds (target under 2 s), and
// the history of one component in a store of 1,000,000 builds (target p99 under 1 ms).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "versioning/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
    auto dir = fs::temp_directory_path() / ("slipway-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto path = dir / name;
    fs::remove(path);
    fs::remove(path.string() + "-wal");
    fs::remove(path.string() + "-shm");
    return path;
}

// One build's whole life in the store: reserve (number + running row), then finish.
void BM_ReserveAndRecord10k(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto store = versioning::SqliteVersionStore::open(scratch("reserve.db").string());
        state.ResumeTiming();
        for (int i = 0; i < 10000; ++i) {
            const std::string component = "component-" + std::to_string(i % 50);
            auto b = (*store)->reserve_build(
                {component, "c0ffee", "hash", "run", i, "log"},
                [&](std::int64_t n) { return "repo:" + component + "-" + std::to_string(n); });
            (*store)->finish_build(component, b->build_number,
                                   {versioning::BuildStatus::succeeded, 0, i + 1});
        }
    }
}
BENCHMARK(BM_ReserveAndRecord10k)->Unit(benchmark::kMillisecond)->Iterations(3);

// history (builds_of, limit 20) of one component among 1,000,000 builds of 1,000
// components; reports the p99 of single calls.
void BM_HistoryIn1MBuilds(benchmark::State& state) {
    const auto path = scratch("history.db");
    {
        auto store = versioning::SqliteVersionStore::open(path.string());
        auto db_url = path.string();
        // Bulk load in one transaction through sqlite3's shell for speed.
        std::string sql =
            "BEGIN;WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 999999) "
            "INSERT INTO builds (component, build_number, commit_id, input_hash, image_uri, "
            "status, "
            "started_at, finished_at, log_path, run_id) SELECT 'component-' || (i % 1000), i / "
            "1000 + 1, "
            "'c0ffee', 'h' || i, 'repo:img-' || i, 'succeeded', i, i + 1, 'log', 'run' FROM n; "
            "COMMIT;";
        std::string command = "sqlite3 '" + db_url + "' \"" + sql + "\"";
        if (std::system(command.c_str()) != 0) {
            state.SkipWithError("bulk load failed");
            return;
        }
    }
    auto store = versioning::SqliteVersionStore::open(path.string());
    std::mt19937 rng(1);
    std::vector<double> micros;
    for (auto _ : state) {
        const std::string component = "component-" + std::to_string(rng() % 1000);
        auto t0 = std::chrono::steady_clock::now();
        auto history = (*store)->builds_of(component, 20);
        auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(history);
        micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(micros.begin(), micros.end());
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
}
BENCHMARK(BM_HistoryIn1MBuilds)->Unit(benchmark::kMicrosecond)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();
