#include "safety/btf_maps.h"

#include <elf.h>

#include <cstring>
#include <set>

namespace ibsr::safety {
namespace {

enum BtfKind : std::uint32_t {
  kInt = 1,
  kPtr,
  kArray,
  kStruct,
  kUnion,
  kEnum,
  kFwd,
  kTypedef,
  kVolatile,
  kConst,
  kRestrict,
  kFunc,
  kFuncProto,
  kVar,
  kDatasec,
  kFloat,
  kDeclTag,
  kTypeTag,
  kEnum64,
};

// Bounds-checked view of a BTF blob; every accessor tolerates garbage.
class Btf {
 public:
  static std::optional<Btf> parse(std::span<const std::uint8_t> b) {
    if (b.size() < 24) return std::nullopt;
    if (u16(b, 0) != 0xeB9F || b[2] != 1) return std::nullopt;
    std::uint64_t hdrLen = u32(b, 4);
    std::uint64_t typeOff = hdrLen + u32(b, 8), typeLen = u32(b, 12);
    std::uint64_t strOff = hdrLen + u32(b, 16), strLen = u32(b, 20);
    if (typeOff > b.size() || typeLen > b.size() - typeOff) return std::nullopt;
    if (strOff > b.size() || strLen > b.size() - strOff) return std::nullopt;
    Btf btf;
    btf.types_ = b.subspan(typeOff, typeLen);
    btf.strs_ = b.subspan(strOff, strLen);
    btf.offsets_.push_back(0);  // type id 0 is void
    std::size_t off = 0;
    while (off + 12 <= btf.types_.size()) {
      std::uint32_t info = u32(btf.types_, off + 4);
      std::uint64_t vlen = info & 0xffff;
      std::uint64_t extra = 0;
      switch ((info >> 24) & 0x1f) {
        case kInt:
        case kVar:
        case kDeclTag:
          extra = 4;
          break;
        case kPtr:
        case kFwd:
        case kTypedef:
        case kVolatile:
        case kConst:
        case kRestrict:
        case kFunc:
        case kFloat:
        case kTypeTag:
          extra = 0;
          break;
        case kArray:
          extra = 12;
          break;
        case kStruct:
        case kUnion:
        case kDatasec:
        case kEnum64:
          extra = 12 * vlen;
          break;
        case kEnum:
        case kFuncProto:
          extra = 8 * vlen;
          break;
        default:
          return std::nullopt;  // unknown kind: cannot walk further
      }
      if (extra > btf.types_.size() - off - 12) return std::nullopt;
      btf.offsets_.push_back(off);
      off += 12 + extra;
    }
    if (off != btf.types_.size()) return std::nullopt;
    return btf;
  }

  bool valid(std::uint32_t id) const { return id > 0 && id < offsets_.size(); }
  std::uint32_t kind(std::uint32_t id) const { return (info(id) >> 24) & 0x1f; }
  std::uint32_t vlen(std::uint32_t id) const { return info(id) & 0xffff; }
  std::uint32_t sizeOrType(std::uint32_t id) const { return u32(types_, offsets_[id] + 8); }
  std::string name(std::uint32_t id) const { return str(u32(types_, offsets_[id])); }
  // The i-th 32-bit word after the common header of type id.
  std::uint32_t word(std::uint32_t id, std::size_t i) const {
    return u32(types_, offsets_[id] + 12 + 4 * i);
  }
  std::size_t count() const { return offsets_.size(); }

  std::string str(std::uint32_t off) const {
    if (off >= strs_.size()) return {};
    const auto* p = reinterpret_cast<const char*>(strs_.data() + off);
    return std::string(p, strnlen(p, strs_.size() - off));
  }

  // Follows typedefs and qualifiers (and a VAR to its type) to the underlying type id, 0 if lost.
  std::uint32_t resolve(std::uint32_t id) const {
    for (int depth = 0; depth < 32 && valid(id); ++depth) {
      switch (kind(id)) {
        case kTypedef:
        case kVolatile:
        case kConst:
        case kRestrict:
        case kTypeTag:
        case kVar:
          id = sizeOrType(id);
          break;
        default:
          return id;
      }
    }
    return 0;
  }

  // Type id of the struct member called `member`, 0 if absent.
  std::uint32_t memberType(std::uint32_t structId, std::string_view member) const {
    if (!valid(structId) || kind(structId) != kStruct) return 0;
    for (std::uint32_t i = 0; i < vlen(structId); ++i) {
      if (str(word(structId, 3 * i)) == member) return word(structId, 3 * i + 1);
    }
    return 0;
  }

 private:
  static std::uint16_t u16(std::span<const std::uint8_t> b, std::size_t off) {
    std::uint16_t v;
    std::memcpy(&v, b.data() + off, 2);
    return v;
  }
  static std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
  }
  std::uint32_t info(std::uint32_t id) const { return u32(types_, offsets_[id] + 4); }

  std::span<const std::uint8_t> types_, strs_;
  std::vector<std::size_t> offsets_;
};

// Appends the map described by struct type `defId` (and its inner map, if any).
void readDefinition(const Btf& btf, std::uint32_t defId, const std::string& name, int depth,
                    std::vector<MapDef>& out) {
  std::uint32_t def = btf.resolve(defId);
  if (!btf.valid(def) || btf.kind(def) != kStruct) {
    out.push_back(MapDef{name, std::nullopt, "map definition is not a struct in BTF"});
    return;
  }
  // __uint(type, X) is `int (*type)[X]`: a pointer to an array of X elements.
  std::uint32_t ptr = btf.resolve(btf.memberType(def, "type"));
  std::uint32_t arr =
      btf.valid(ptr) && btf.kind(ptr) == kPtr ? btf.resolve(btf.sizeOrType(ptr)) : 0;
  if (!btf.valid(arr) || btf.kind(arr) != kArray) {
    out.push_back(MapDef{name, std::nullopt, "map definition has no readable 'type' member"});
    return;
  }
  out.push_back(MapDef{name, btf.word(arr, 2), {}});

  // __array(values, struct inner) is `typeof(struct inner) *values[]`; a PROG_ARRAY's values are
  // functions, which have no map type.
  std::uint32_t values = btf.resolve(btf.memberType(def, "values"));
  if (depth > 4 || !btf.valid(values) || btf.kind(values) != kArray) return;
  std::uint32_t elem = btf.resolve(btf.word(values, 0));
  if (!btf.valid(elem) || btf.kind(elem) != kPtr) return;
  std::uint32_t inner = btf.resolve(btf.sizeOrType(elem));
  if (btf.valid(inner) && btf.kind(inner) == kStruct) {
    readDefinition(btf, inner, name + ".values", depth + 1, out);
  }
}

void readBtfMaps(const ElfFile& elf, std::size_t mapsIndex, std::vector<MapDef>& out) {
  std::set<std::string> named;
  const ElfSection* btfSec = elf.find(".BTF");
  std::optional<Btf> btf;
  if (btfSec != nullptr) btf = Btf::parse(btfSec->data);
  if (!btf) {
    out.push_back(MapDef{".maps", std::nullopt, "the object has no readable .BTF section"});
    return;
  }
  for (std::uint32_t id = 1; id < btf->count(); ++id) {
    if (btf->kind(id) != kDatasec || btf->name(id) != ".maps") continue;
    for (std::uint32_t i = 0; i < btf->vlen(id); ++i) {
      std::uint32_t var = btf->word(id, 3 * i);
      if (!btf->valid(var) || btf->kind(var) != kVar) {
        out.push_back(MapDef{".maps", std::nullopt, "a .maps entry is not a BTF variable"});
        continue;
      }
      std::string name = btf->name(var);
      named.insert(name);
      readDefinition(*btf, btf->sizeOrType(var), name, 0, out);
    }
  }
  // Every symbol placed in .maps must have been described by the BTF datasec.
  for (const auto& sym : elf.symbols) {
    if (sym.shndx == mapsIndex && sym.type == STT_OBJECT && !named.count(sym.name)) {
      out.push_back(MapDef{sym.name, std::nullopt, "map symbol has no BTF definition"});
    }
  }
  if (named.empty() && !elf.sections[mapsIndex].data.empty()) {
    out.push_back(MapDef{".maps", std::nullopt, "no BTF datasec describes the .maps section"});
  }
}

// Legacy `struct bpf_map_def` (first field: u32 type), one symbol per map.
void readLegacyMaps(const ElfFile& elf, std::size_t index, std::vector<MapDef>& out) {
  auto data = elf.sections[index].data;
  bool any = false;
  for (const auto& sym : elf.symbols) {
    if (sym.shndx != index || sym.type == STT_SECTION) continue;
    any = true;
    if (sym.value > data.size() || data.size() - sym.value < 4) {
      out.push_back(MapDef{sym.name, std::nullopt, "legacy map definition outside its section"});
      continue;
    }
    std::uint32_t type;
    std::memcpy(&type, data.data() + sym.value, 4);
    out.push_back(MapDef{sym.name, type, {}});
  }
  if (!any && !data.empty()) {
    out.push_back(MapDef{"maps", std::nullopt, "legacy maps section without map symbols"});
  }
}

}  // namespace

std::vector<MapDef> readMapDefs(const ElfFile& elf) {
  std::vector<MapDef> out;
  for (std::size_t i = 0; i < elf.sections.size(); ++i) {
    if (elf.sections[i].name == ".maps") readBtfMaps(elf, i, out);
    if (elf.sections[i].name == "maps") readLegacyMaps(elf, i, out);
  }
  return out;
}

}  // namespace ibsr::safety
