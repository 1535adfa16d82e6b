#include "model/types.h"

#include <ios>

namespace memhp::model {
namespace {
std::ostream& Hex(std::ostream& os, const char* prefix, uint64_t v) {
  std::ios_base::fmtflags f = os.flags();
  os << prefix << "0x" << std::hex << v;
  os.flags(f);
  return os;
}
}  // namespace

std::ostream& operator<<(std::ostream& os, Pfn p) {
  return Hex(os, "pfn ", p.value());
}
std::ostream& operator<<(std::ostream& os, NrPages n) {
  return os << n.value() << " pages";
}
std::ostream& operator<<(std::ostream& os, PhysAddr a) {
  return Hex(os, "", a.value());
}
std::ostream& operator<<(std::ostream& os, ByteSize s) {
  return Hex(os, "size ", s.value());
}
std::ostream& operator<<(std::ostream& os, SectionNr n) {
  return os << "section " << n.value();
}
std::ostream& operator<<(std::ostream& os, SubsectionIdx i) {
  return os << "subsection " << i.value();
}
std::ostream& operator<<(std::ostream& os, BlockId b) {
  return os << "memory" << b.value();
}
std::ostream& operator<<(std::ostream& os, NodeId n) {
  return os << "node " << n.value();
}

}  // namespace memhp::model
