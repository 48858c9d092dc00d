#include "report/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "core/log.h"
#include "report/analyzer.h"
#include "report/chart_builder.h"
#include "report/deltas_writer.h"
#include "report/evaluation.h"
#include "report/formats.h"
#include "report/line_reader.h"
#include "report/report_data.h"
#include "report/rpc/payload_input.h"
#include "report/rpc/rpc_analyzer.h"
#include "report/rpc/rpc_chart_builder.h"
#include "report/rpc/rpc_evaluation.h"
#include "report/s3_inputs.h"

namespace ibsr::report {
namespace {

// Writes via a temporary file and rename, so a reader never sees half a report.
Status writeFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sysError("cannot create '" + tmp + "'");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = sysError("cannot write '" + tmp + "'");
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Error e = sysError("cannot write '" + tmp + "'");
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = sysError("cannot rename '" + tmp + "' to '" + path + "'");
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

bool requested(const Options& options, const ReportFormat& format) {
  return options.formats.count(std::string(format.name)) > 0;
}

bool chartsRequested(const Options& options) {
  for (const ReportFormat& format : reportFormats()) {
    if (format.needsCharts && requested(options, format)) return true;
  }
  return false;
}

}  // namespace

int runReport(const Options& options) {
  log::setVerbosity(options.verbosity);
  ReportData d;
  d.config = options.analysis;
  if (!options.allowlistPath.empty()) {
    auto list = Allowlist::load(options.allowlistPath);
    if (!list.ok()) {
      log::error("{}", list.error().message);
      return kExitConfig;
    }
    d.allowlist = std::move(list.value());
  }
  std::unique_ptr<S3ClientPool> s3;
  if (std::any_of(options.inputs.begin(), options.inputs.end(), isS3Url)) {
    auto pool = S3ClientPool::create(options.s3);
    if (!pool.ok()) {
      log::error("{}", pool.error().message);
      return kExitInput;
    }
    s3 = std::move(pool.value());
  }
  // In the order of the --input arguments, local and S3 alike.
  for (const std::string& input : options.inputs) {
    auto files = isS3Url(input) ? findS3Inputs(*s3, input, options.range)
                                : findInputFiles({input}, options.range);
    if (!files.ok()) {
      log::error("{}", files.error().message);
      return kExitInput;
    }
    d.files.insert(d.files.end(), files->begin(), files->end());
  }
  // Counter snapshots and payload statistics are read by their own layers (each ingest takes the
  // files of its kind).
  d.payloadInput = std::any_of(d.files.begin(), d.files.end(),
                               [](const InputFile& f) { return f.kind == InputKind::Payload; });
  if (d.files.empty()) {
    log::error(
        "no snapshot files found{} (looked for snapshot_*.jsonl[.gz|.zst], "
        "snapshot6_*.jsonl[.gz|.zst] and payload_*.jsonl[.gz|.zst])",
        options.range.active() ? " in the --from/--to range" : "");
    return kExitInput;
  }

  std::unique_ptr<DeltasWriter> deltas;
  if (const ReportFormat* format = findReportFormat("deltas"); requested(options, *format)) {
    std::string path = options.deltasOut;
    if (path.empty()) {
      // Streamed while the input is read, so the directory is needed before the analysis.
      std::error_code ec;
      std::filesystem::create_directories(options.outDir, ec);
      if (ec) {
        log::error("cannot create output directory '{}': {}", options.outDir, ec.message());
        return kExitInput;
      }
      path = (std::filesystem::path(options.outDir) / format->streamedFile).string();
    }
    deltas = std::make_unique<DeltasWriter>(path, options.hostId, d.quality);
    if (Status st = deltas->open(); !st.ok()) {
      log::error("{}", st.error().message);
      return kExitInput;
    }
  }

  IngestOptions ingestOptions;
  ingestOptions.maxLineBytes = options.maxLineBytes;
  if (s3) {
    ingestOptions.open = [&s3](const InputFile& f, LineReader& reader) -> Status {
      if (f.bucket.empty()) return reader.open(f.path);
      return reader.open(
          std::make_unique<S3ObjectSource>(*s3, S3Object{f.bucket, f.key, f.size, f.etag}), f.path);
    };
  }
  {
    Analyzer analyzer(d.config, d.allowlist, d.quality);
    analyzer.setDeltaSink(deltas.get());
    Status st =
        ingest(d.files, ingestOptions, d.quality, [&](const Snapshot& s) { analyzer.add(s); });
    if (!st.ok()) {
      log::error("{}", st.error().message);
      return kExitInput;
    }
    if (d.payloadInput) {
      RpcAnalyzer rpc(d.config, d.allowlist, d.payloadQuality);
      st = ingestPayload(d.files, ingestOptions, d.payloadQuality,
                         [&](const PayloadInterval& p) { rpc.add(p); });
      if (!st.ok()) {
        log::error("{}", st.error().message);
        return kExitInput;
      }
      d.rpc = rpc.finish();
    }
    if (d.quality.snapshots == 0 && d.payloadQuality.intervals == 0) {
      if (d.payloadInput) {
        log::error("no valid snapshot or payload line in the input ({} line(s) read, {} malformed)",
                   d.quality.lines + d.payloadQuality.lines,
                   d.quality.malformedLines + d.payloadQuality.malformedLines);
      } else {
        log::error("no valid snapshot in the input ({} line(s) read, {} malformed)",
                   d.quality.lines, d.quality.malformedLines);
      }
      return kExitInput;
    }
    d.result = analyzer.finish();
  }
  if (deltas != nullptr) {
    if (Status st = deltas->finish(); !st.ok()) {
      log::error("{}", st.error().message);
      return kExitInput;
    }
  }
  d.evaluation = evaluate(d.result, d.config);
  // Payload input only: the transport layer has no evidence, and that is its one reason; the
  // others (no traffic, no keys, no observed period) would only restate it.
  if (d.quality.snapshots == 0) d.evaluation.reasons = {"No counter snapshots in the input"};
  d.evaluation.safe = d.evaluation.reasons.empty();
  if (d.payloadInput) d.rpcEvaluation = evaluateRpc(d.rpc, d.config);
  d.generatedAt = options.generatedAt.value_or(std::max(d.result.lastTs, d.rpc.lastTs));

  if (chartsRequested(options)) {
    // Second pass for the time charts of the top offenders (known only after the first pass).
    ChartBuilder chart(d.result, d.evaluation);
    DataQuality scratch;
    Analyzer analyzer(d.config, d.allowlist, scratch, &chart);
    IngestOptions quiet = ingestOptions;
    quiet.silent = true;
    Status st = ingest(d.files, quiet, scratch, [&](const Snapshot& s) { analyzer.add(s); });
    if (!st.ok()) {
      log::error("{}", st.error().message);
      return kExitInput;
    }
    (void)analyzer.finish();
    d.chart = chart.take();
    if (d.payloadInput) {
      RpcChartBuilder rpcChart(d.rpc, d.rpcEvaluation);
      PayloadQuality payloadScratch;
      RpcAnalyzer rpc(d.config, d.allowlist, payloadScratch, &rpcChart);
      st = ingestPayload(d.files, quiet, payloadScratch,
                         [&](const PayloadInterval& p) { rpc.add(p); });
      if (!st.ok()) {
        log::error("{}", st.error().message);
        return kExitInput;
      }
      (void)rpc.finish();
      d.rpcChart = rpcChart.take();
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(options.outDir, ec);
  if (ec) {
    log::error("cannot create output directory '{}': {}", options.outDir, ec.message());
    return kExitInput;
  }
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const ReportFormat& format : reportFormats()) {
    if (!requested(options, format)) continue;
    for (const ReportFile& file : format.files)
      if (file.written(d)) outputs.emplace_back(file.name, file.render(d));
  }
  for (const auto& [name, content] : outputs) {
    std::string path = (std::filesystem::path(options.outDir) / name).string();
    if (Status st = writeFileAtomically(path, content); !st.ok()) {
      log::error("{}", st.error().message);
      return kExitInput;
    }
  }

  // With the deltas on stdout, stdout carries nothing else (it is piped into clickhouse-client).
  std::ostream& out = options.deltasOut == "-" ? std::cerr : std::cout;
  if (s3) log::info("S3: {} request(s), {} retried", s3->requests(), s3->retries());
  const Evaluation& ev = d.evaluation;
  out << "verdict: " << (ev.safe ? "SAFE" : "NOT SAFE") << " (" << ev.blockedKeys
      << " source(s) would be blocked)\n";
  for (const std::string& reason : ev.reasons) out << "  - " << reason << "\n";
  if (d.payloadInput) {
    const RpcEvaluation& rpc = d.rpcEvaluation;
    out << "application layer: " << (rpc.safe ? "SAFE" : "NOT SAFE") << " (" << rpc.blockedKeys
        << " source(s) would be blocked)\n";
    for (const std::string& reason : rpc.reasons) out << "  - " << reason << "\n";
  }
  if (deltas != nullptr)
    out << "deltas: " << (options.deltasOut == "-" ? std::string("stdout") : deltas->path()) << " ("
        << deltas->rows() << " rows)\n";
  for (const auto& [name, content] : outputs)
    out << name << ": " << (std::filesystem::path(options.outDir) / name).string() << "\n";
  return kExitOk;
}

}  // namespace ibsr::report
