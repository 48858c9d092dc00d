#include "core/zstd_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "core/unique_fd.h"

namespace ibsr {
namespace {

constexpr std::size_t kChunk = 1 << 20;

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

bool stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_relaxed);
}

Result<UniqueFd> openRead(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sysError("cannot open '" + path + "'");
  return fd;
}

// Reads up to buf.size() bytes (fewer only at the end of the file).
Result<std::size_t> readFull(int fd, std::vector<char>& buf, const std::string& path) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot read '" + path + "'");
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

Status writeAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot write the compressed file");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<ZstdCopy> zstdCompressFile(const std::string& from, int outFd, int level,
                                  const std::atomic<bool>* stop) {
  auto in = openRead(from);
  if (!in.ok()) return in.error();
  std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return plainError("zstd: cannot allocate a compression context");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  // The frame header then records the content size: a reader can size its buffers for the lines
  // at once (the report does), and a file that changed size meanwhile fails to compress.
  struct stat st {};
  if (::fstat(in->get(), &st) != 0) return sysError("cannot stat '" + from + "'");
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), static_cast<unsigned long long>(st.st_size));
  std::vector<char> inBuf(kChunk), outBuf(ZSTD_CStreamOutSize());
  ZstdCopy copy;
  for (;;) {
    if (stopped(stop)) return plainError("compression of '" + from + "' interrupted");
    auto got = readFull(in->get(), inBuf, from);
    if (!got.ok()) return got.error();
    copy.inBytes += *got;
    const bool last = *got < inBuf.size();
    ZSTD_inBuffer input{inBuf.data(), *got, 0};
    bool finished = false;
    while (!finished) {
      ZSTD_outBuffer output{outBuf.data(), outBuf.size(), 0};
      std::size_t left =
          ZSTD_compressStream2(cctx.get(), &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left))
        return plainError(std::string("zstd: ") + ZSTD_getErrorName(left) + " compressing '" +
                          from + "'");
      if (auto w = writeAll(outFd, outBuf.data(), output.pos); !w.ok()) return w.error();
      copy.outBytes += output.pos;
      finished = last ? left == 0 : input.pos == input.size;
    }
    if (last) return copy;
  }
}

Result<ZstdDecoded> zstdDecompressFile(const std::string& path,
                                       const std::function<bool(const char*, std::size_t)>& sink,
                                       const std::atomic<bool>* stop) {
  auto z = openRead(path);
  if (!z.ok()) return z.error();
  std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return plainError("zstd: cannot allocate a decompression context");
  std::vector<char> in(ZSTD_DStreamInSize()), out(ZSTD_DStreamOutSize());
  std::size_t frameLeft = 1;  // ZSTD_decompressStream's hint: 0 exactly at the end of a frame
  for (;;) {
    if (stopped(stop)) return plainError("reading '" + path + "' interrupted");
    auto got = readFull(z->get(), in, path);
    if (!got.ok()) return got.error();
    if (*got == 0) break;
    ZSTD_inBuffer input{in.data(), *got, 0};
    // A full output buffer may leave decoded bytes inside zstd even with all input consumed,
    // unless the frame has just ended (0): asked again, zstd would answer with the header size of
    // a next frame, and a complete file would look truncated.
    for (bool full = true; input.pos < input.size || (full && frameLeft != 0);) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      frameLeft = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(frameLeft))
        return ZstdDecoded{.end = ZstdEnd::Corrupt, .why = ZSTD_getErrorName(frameLeft)};
      full = output.pos == out.size();
      if (!sink(out.data(), output.pos)) return ZstdDecoded{.end = ZstdEnd::Declined, .why = {}};
    }
  }
  return ZstdDecoded{.end = frameLeft == 0 ? ZstdEnd::Complete : ZstdEnd::Truncated, .why = {}};
}

Result<bool> zstdSameContent(const std::string& zst, const std::string& plain,
                             const std::atomic<bool>* stop) {
  auto p = openRead(plain);
  if (!p.ok()) return p.error();
  std::vector<char> ref;
  Status readError;
  auto decoded = zstdDecompressFile(
      zst,
      [&](const char* data, std::size_t size) {
        ref.resize(size);
        auto r = readFull(p->get(), ref, plain);
        if (!r.ok()) readError = r.error();
        return r.ok() && *r == size && std::memcmp(ref.data(), data, size) == 0;
      },
      stop);
  if (!decoded.ok()) return decoded.error();
  if (!readError.ok()) return readError.error();
  if (decoded->end != ZstdEnd::Complete) return false;
  ref.resize(1);
  auto tail = readFull(p->get(), ref, plain);  // the plain file must end here too
  if (!tail.ok()) return tail.error();
  return *tail == 0;
}

}  // namespace ibsr
