// The e820 model: the printed form and its parser, the change-point
// sanitizer, range update/remove with their messages, every mem= and memmap=
// form of the command line, the boot trims, and what memblock and /proc/iomem
// get from the table. The capture logs are checked in e820_capture_test.cc.

#include "hotplug/e820.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

void PrintTo(const E820Entry& e, std::ostream* os) {
  *os << E820FormatEntry(e, "e820");
}
void PrintTo(const E820Table& t, std::ostream* os) {
  for (const E820Entry& e : t.entries) *os << "\n  " << E820FormatEntry(e, "");
}
void PrintTo(const E820Resource& r, std::ostream* os) {
  *os << r.range << " " << r.name << (r.busy ? " busy" : "");
}

namespace {

using model::ByteSize;
using model::EventLog;
using model::PhysAddr;
using model::PhysRange;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint64_t K = uint64_t{1} << 10;
constexpr uint64_t M = uint64_t{1} << 20;
constexpr uint64_t G = uint64_t{1} << 30;
constexpr uint64_t T = uint64_t{1} << 40;
constexpr uint64_t P = uint64_t{1} << 50;
constexpr uint64_t E = uint64_t{1} << 60;

constexpr E820Type kRam = E820Type::kRam;
constexpr E820Type kReserved = E820Type::kReserved;
constexpr E820Type kAcpi = E820Type::kAcpi;
constexpr E820Type kNvs = E820Type::kNvs;
constexpr E820Type kUnusable = E820Type::kUnusable;
constexpr E820Type kPmem = E820Type::kPmem;
constexpr E820Type kPram = E820Type::kPram;
constexpr E820Type kSoftReserved = E820Type::kSoftReserved;
constexpr E820Type kReservedKern = E820Type::kReservedKern;

// An entry as the kernel prints it: first and last (inclusive) byte.
E820Entry Ent(uint64_t start, uint64_t last, E820Type type) {
  return E820Entry{PhysAddr(start), ByteSize(last - start + 1), type};
}
// An entry from its start and size, as e820__range_add takes it.
E820Entry Sized(uint64_t start, uint64_t size, E820Type type) {
  return E820Entry{PhysAddr(start), ByteSize(size), type};
}
E820Table Table(std::vector<E820Entry> entries) {
  return E820Table{std::move(entries)};
}
PhysRange Range(uint64_t start, uint64_t end) {
  return PhysRange(PhysAddr(start), PhysAddr(end));
}

model::Geometry X86() {
  absl::StatusOr<model::Geometry> g =
      model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

// ---------------------------------------------------------------------------
// Types and the printed form.

TEST(E820PrintTypeTest, NamesEveryTypeAsE820PrintTypeDoes) {
  EXPECT_EQ(E820PrintType(kRam), "usable");
  EXPECT_EQ(E820PrintType(kReservedKern), "usable");
  EXPECT_EQ(E820PrintType(kReserved), "reserved");
  EXPECT_EQ(E820PrintType(kSoftReserved), "soft reserved");
  EXPECT_EQ(E820PrintType(kAcpi), "ACPI data");
  EXPECT_EQ(E820PrintType(kNvs), "ACPI NVS");
  EXPECT_EQ(E820PrintType(kUnusable), "unusable");
  EXPECT_EQ(E820PrintType(kPmem), "persistent (type 7)");
  EXPECT_EQ(E820PrintType(kPram), "persistent (type 12)");
  EXPECT_EQ(E820PrintType(E820Type{6}), "type 6");
  EXPECT_EQ(E820PrintType(E820Type{20}), "type 20");
  EXPECT_EQ(E820PrintType(E820Type{0}), "type 0");
}

TEST(E820TypeToStringTest, NamesTheIomemResourceOfEveryType) {
  EXPECT_EQ(E820TypeToString(kRam), "System RAM");
  EXPECT_EQ(E820TypeToString(kReservedKern), "System RAM");
  EXPECT_EQ(E820TypeToString(kAcpi), "ACPI Tables");
  EXPECT_EQ(E820TypeToString(kNvs), "ACPI Non-volatile Storage");
  EXPECT_EQ(E820TypeToString(kUnusable), "Unusable memory");
  EXPECT_EQ(E820TypeToString(kPram), "Persistent Memory (legacy)");
  EXPECT_EQ(E820TypeToString(kPmem), "Persistent Memory");
  EXPECT_EQ(E820TypeToString(kReserved), "Reserved");
  EXPECT_EQ(E820TypeToString(kSoftReserved), "Soft Reserved");
  EXPECT_EQ(E820TypeToString(E820Type{20}), "Unknown E820 type");
}

TEST(E820FormatEntryTest, PrintsInclusiveEndsWithSixteenDigitsAndZeroAs0x) {
  EXPECT_EQ(E820FormatEntry(Ent(0, 0x9fbff, kRam), "BIOS-e820"),
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable");
  EXPECT_EQ(
      E820FormatEntry(Ent(0x120000000, 0x13fffffff, kSoftReserved), "user"),
      "user: [mem 0x0000000120000000-0x000000013fffffff] soft reserved");
  EXPECT_EQ(E820FormatEntry(Sized(0xfffffffffffff000, 0x1000, kReserved), "x"),
            "x: [mem 0xfffffffffffff000-0xffffffffffffffff] reserved");
}

// ---------------------------------------------------------------------------
// ParseE820Table.

// Lines 466-474 of the p1 capture (../shared/capture-logs/p1-boot-4g.log).
constexpr char kP1Bios[] =
    "[    0.000000] BIOS-provided physical RAM map:\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] "
    "usable\n"
    "[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] "
    "reserved\n"
    "[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] "
    "reserved\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] "
    "usable\n"
    "[    0.000000] BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] "
    "reserved\n"
    "[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] "
    "reserved\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] "
    "usable\n"
    "[    0.000000] BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] "
    "reserved\n";

const E820Table kP1Table = Table({
    Ent(0x0, 0x9fbff, kRam),
    Ent(0x9fc00, 0x9ffff, kReserved),
    Ent(0xf0000, 0xfffff, kReserved),
    Ent(0x100000, 0xbffdffff, kRam),
    Ent(0xbffe0000, 0xbfffffff, kReserved),
    Ent(0xfffc0000, 0xffffffff, kReserved),
    Ent(0x100000000, 0x13fffffff, kRam),
    Ent(0xfd00000000, 0xffffffffff, kReserved),
});

// The error message of parsing `text` as file "f", or "OK".
std::string ErrorOf(std::string_view text, std::string_view who = "BIOS-e820") {
  absl::StatusOr<E820Table> t = ParseE820Table(text, "f", who);
  if (t.ok()) return "OK";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(t.status().message());
}

TEST(ParseE820TableTest, ReadsTheBiosMapOfACaptureLog) {
  absl::StatusOr<E820Table> t = ParseE820Table(kP1Bios, "p1");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, kP1Table);
}

TEST(ParseE820TableTest,
     AcceptsLinesWithoutTimestampWithCallerIdCommentsAndBlanks) {
  constexpr char kText[] =
      "# a comment\n"
      "\n"
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "[    0.000000] [      T0] BIOS-e820: [mem "
      "0x000000000009fc00-0x000000000009ffff] reserved  \n"
      "  [    0.000000]   BIOS-e820: [mem 0x100000-0xbffdffff] usable\r\n";
  absl::StatusOr<E820Table> t = ParseE820Table(kText, "f");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, Table({Ent(0, 0x9fbff, kRam), Ent(0x9fc00, 0x9ffff, kReserved),
                       Ent(0x100000, 0xbffdffff, kRam)}));
}

TEST(ParseE820TableTest, PrintingAParsedTableGivesItsLinesBack) {
  const E820Table every_type = Table({
      Ent(0x0, 0xfff, kReserved),
      Ent(0x1000, 0x9ffff, kRam),
      Ent(0x100000, 0x1fffff, kAcpi),
      Ent(0x200000, 0x2fffff, kNvs),
      Ent(0x300000, 0x3fffff, kUnusable),
      Ent(0x400000, 0x4fffff, kPmem),
      Ent(0x500000, 0x5fffff, kPram),
      Ent(0x600000, 0x6fffff, kSoftReserved),
      Ent(0x700000, 0x7fffff, E820Type{20}),
      Ent(0xfffffffffffff000, 0xffffffffffffffff, E820Type{0xffffffff}),
  });
  for (std::string_view who : {"BIOS-e820", "user"}) {
    std::string text;
    for (const E820Entry& e : every_type.entries) {
      text += E820FormatEntry(e, who) + "\n";
    }
    absl::StatusOr<E820Table> t = ParseE820Table(text, "f", who);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, every_type);
  }
}

TEST(ParseE820TableTest, ReadsUsableAsRamSinceReservedKernPrintsTheSame) {
  absl::StatusOr<E820Table> t = ParseE820Table(
      E820FormatEntry(Ent(0x1000, 0x1fff, kReservedKern), "BIOS-e820"), "f");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, Table({Ent(0x1000, 0x1fff, kRam)}));
}

TEST(ParseE820TableTest, RefusesMalformedLinesWithFileLineAndColumn) {
  // Columns: "BIOS-e820: [mem " is 16 characters, so START is at column 17.
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] usable\nbogus\n"),
            "f:2:1: expected 'BIOS-e820: [mem START-END] TYPE', a kernel "
            "header like 'BIOS-provided physical RAM map:', a '#' comment or "
            "a blank line");
  EXPECT_EQ(ErrorOf("user: [mem 0x0-0xfff] usable\n"),
            "f:1:1: expected 'BIOS-e820: [mem START-END] TYPE', a kernel "
            "header like 'BIOS-provided physical RAM map:', a '#' comment or "
            "a blank line");
  EXPECT_EQ(ErrorOf("BIOS-e820 [mem 0x0-0xfff] usable"),
            "f:1:10: expected ':' after 'BIOS-e820'");
  EXPECT_EQ(ErrorOf("BIOS-e820: mem 0x0-0xfff usable"),
            "f:1:12: expected '[mem'");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0-0xfff] usable"),
            "f:1:17: expected a hex address like 0x000000000009fbff");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0g-0xfff] usable"),
            "f:1:17: expected a hex address like 0x000000000009fbff");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0 0xfff] usable"),
            "f:1:21: expected '-' between the start and end address");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff usable"),
            "f:1:27: expected ']' after the end address");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff]"),
            "f:1:27: expected an e820 type: usable, reserved, soft reserved, "
            "ACPI data, ACPI NVS, unusable, persistent (type 7), persistent "
            "(type 12) or type N");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] usable ram"),
            "f:1:28: expected an e820 type: usable, reserved, soft reserved, "
            "ACPI data, ACPI NVS, unusable, persistent (type 7), persistent "
            "(type 12) or type N");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] persistent (type 5)"),
            "f:1:28: expected an e820 type: usable, reserved, soft reserved, "
            "ACPI data, ACPI NVS, unusable, persistent (type 7), persistent "
            "(type 12) or type N");
  EXPECT_EQ(ErrorOf("[    0.000000 BIOS-e820: [mem 0x0-0xfff] usable"),
            "f:1:1: expected a dmesg timestamp like '[    0.000000]'");
  EXPECT_EQ(ErrorOf("[    0.000000] [ X1] BIOS-e820: [mem 0x0-0xfff] usable"),
            "f:1:16: expected a printk caller id like '[      T0]'");
  EXPECT_EQ(ErrorOf("BIOS-provided physical RAM map: extra"),
            "f:1:33: expected the end of the line after 'BIOS-provided "
            "physical RAM map:'");
}

TEST(ParseE820TableTest, RefusesTypesTheKernelPrintsByName) {
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] type 1"),
            "f:1:33: expected 'usable' for type 1, as the kernel prints it");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] type 12"),
            "f:1:33: expected 'persistent (type 12)' for type 12, as the "
            "kernel prints it");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] type 020"),
            "f:1:33: expected 'type 20' for type 20, as the kernel prints it");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] type 4294967296"),
            "f:1:33: expected a type below 2^32, got '4294967296'");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfff] type 4294967295"), "OK");
}

TEST(ParseE820TableTest, RefusesAbsurdNumbersAndInvertedRanges) {
  //   17 hex digits: beyond 64 bits.
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x10000000000000000-0x1] usable"),
            "f:1:17: expected an address below 2^64, got "
            "'0x10000000000000000'");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xfffffffffffffffff] usable"),
            "f:1:21: expected an address below 2^64, got "
            "'0xfffffffffffffffff'");
  // Leading zeros are not bits.
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x00000000000000000001-0x1] usable"),
            "OK");
  //   end < start
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x2000-0x1fff] usable"),
            "f:1:24: expected an end address >= the start 0x0000000000002000");
  //   [0, 2^64): a size of 2^64 does not fit the u64.
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x0-0xffffffffffffffff] reserved"),
            "f:1:17: expected a range smaller than 2^64 bytes (an e820 size is "
            "a u64)");
  EXPECT_EQ(ErrorOf("BIOS-e820: [mem 0x1-0xffffffffffffffff] reserved"), "OK");
}

TEST(ParseE820TableTest, RefusesAnEmptyTableAndMoreThanE820MaxEntries) {
  EXPECT_EQ(ErrorOf("# nothing\n\nBIOS-provided physical RAM map:\n"),
            "f:1:1: expected at least one 'BIOS-e820: [mem START-END] TYPE' "
            "line");
  std::string text;
  for (size_t i = 0; i <= kE820MaxEntries; ++i) {
    text += E820FormatEntry(Sized(i * 0x1000, 0x1000, kRam), "BIOS-e820");
    text += "\n";
  }
  EXPECT_EQ(ErrorOf(text),
            "f:3201:1: expected at most 3200 entries "
            "(E820_MAX_ENTRIES)");
}

// ---------------------------------------------------------------------------
// E820UpdateTable: the change-point sanitizer.

// The kernel's own example, from the comment above e820__update_table()
// (digits are types, one column is one unit of 4 KiB here).
std::vector<E820Entry> FromRows(const std::vector<std::string>& rows) {
  std::vector<E820Entry> out;
  for (const std::string& row : rows) {
    size_t s = row.find_first_not_of('_');
    size_t e = row.find('_', s);
    out.push_back(Sized(s * 0x1000, (e - s) * 0x1000,
                        static_cast<E820Type>(row[s] - '0')));
  }
  return out;
}

TEST(E820UpdateTableTest, SanitizesTheKernelsOwnExample) {
  E820Table t = Table(FromRows({
      "____22__________________",
      "______________________4_",
      "____1111________________",
      "_44_____________________",
      "11111111________________",
      "____________________33__",
      "___________44___________",
      "__________33333_________",
      "______________22________",
      "___________________2222_",
      "_________111111111______",
      "_____________________11_",
      "_________________4______",
  }));
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table(FromRows({
                   "1_______________________",
                   "_44_____________________",
                   "___1____________________",
                   "____22__________________",
                   "______11________________",
                   "_________1______________",
                   "__________3_____________",
                   "___________44___________",
                   "_____________33_________",
                   "_______________2________",
                   "________________1_______",
                   "_________________4______",
                   "___________________2____",
                   "____________________33__",
                   "______________________4_",
               })));
}

// 0        1M       2M       3M       4M
// |--RAM---------------------------|         RAM   [0, 4M)
//          |-reserved-|                      reserved [1M, 2M)
//                         |--NVS------------| NVS  [2.5M, 4.5M)
// The higher type value wins where they overlap; RAM keeps the rest.
TEST(E820UpdateTableTest, OverlapsResolveToTheHigherType) {
  E820Table t = Table({Sized(0, 4 * M, kRam), Sized(1 * M, 1 * M, kReserved),
                       Sized(2 * M + M / 2, 2 * M, kNvs)});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(
      t, Table({Sized(0, 1 * M, kRam), Sized(1 * M, 1 * M, kReserved),
                Sized(2 * M, M / 2, kRam), Sized(2 * M + M / 2, 2 * M, kNvs)}));
}

// Types compare as unsigned values: SOFT_RESERVED (0xefffffff) beats an
// unknown type 20, which beats RESERVED_KERN (128)? No: 128 > 20.
//   [0, 3M) type 20, [1M, 2M) RESERVED_KERN -> RESERVED_KERN in the middle;
//   [4M, 6M) RESERVED_KERN, [5M, 6M) SOFT_RESERVED -> soft reserved wins.
TEST(E820UpdateTableTest, PrecedenceIsTheNumericTypeValue) {
  E820Table t = Table(
      {Sized(0, 3 * M, E820Type{20}), Sized(1 * M, 1 * M, kReservedKern),
       Sized(4 * M, 2 * M, kReservedKern), Sized(5 * M, 1 * M, kSoftReserved)});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 1 * M, E820Type{20}),
                      Sized(1 * M, 1 * M, kReservedKern),
                      Sized(2 * M, 1 * M, E820Type{20}),
                      Sized(4 * M, 1 * M, kReservedKern),
                      Sized(5 * M, 1 * M, kSoftReserved)}));
}

// |-RAM-|-RAM-|      |-RSV-|       (unsorted input, duplicates)
// Touching and overlapping entries of one type merge into one.
TEST(E820UpdateTableTest, TouchingEntriesOfOneTypeMerge) {
  E820Table t =
      Table({Sized(2 * M, 1 * M, kRam), Sized(0, 2 * M, kRam),
             Sized(5 * M, 1 * M, kReserved), Sized(5 * M, 1 * M, kReserved),
             Sized(1 * M, 1 * M, kRam)});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 3 * M, kRam), Sized(5 * M, 1 * M, kReserved)}));
}

// |-PRAM-|-PRAM-|-SR-|-SR-|
// PRAM and SOFT_RESERVED ranges may be distinct devices: never merged.
TEST(E820UpdateTableTest, PramAndSoftReservedNeighboursStaySeparate) {
  E820Table t = Table({Sized(0, 1 * G, kPram), Sized(1 * G, 1 * G, kPram),
                       Sized(2 * G, 1 * G, kSoftReserved),
                       Sized(3 * G, 1 * G, kSoftReserved)});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t.entries.size(), 4u);
}

// 0     1G    2G    3G
// |----RAM----|                RAM [0, 2G)
//       |----SR-----|          SR  [1G, 3G)
//             |-RAM-|          RAM [2G, 3G)
// The soft-reserved range is cut at the change point 2G inside it, as the
// kernel re-opens a no-merge entry at every change point.
TEST(E820UpdateTableTest, SoftReservedIsSplitAtEveryChangePointInside) {
  E820Table t =
      Table({Sized(0, 2 * G, kRam), Sized(1 * G, 2 * G, kSoftReserved),
             Sized(2 * G, 1 * G, kRam)});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 1 * G, kRam), Sized(1 * G, 1 * G, kSoftReserved),
                      Sized(2 * G, 1 * G, kSoftReserved)}));
}

TEST(E820UpdateTableTest, EmptyEntriesVanish) {
  E820Table t = Table({Sized(0, 1 * M, kRam), Sized(4 * M, 0, kReserved),
                       Sized(0, 0, E820Type{0})});
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 1 * M, kRam)}));
}

TEST(E820UpdateTableTest, LeavesOneEntryOrAWrappingEntryAlone) {
  E820Table one = Table({Sized(0, 0, kRam)});
  EXPECT_EQ(E820UpdateTable(&one), -1);
  EXPECT_EQ(one, Table({Sized(0, 0, kRam)}));

  // The second entry ends at 2^64: addr + size wraps to 0.
  const E820Table wrapping =
      Table({Sized(2 * M, 1 * M, kRam), Sized(0, 1 * M, kRam),
             Sized(0xfffffffffffff000, 0x1000, kReserved)});
  E820Table t = wrapping;
  EXPECT_EQ(E820UpdateTable(&t), -1);
  EXPECT_EQ(t, wrapping);
}

TEST(E820RangeAddTest, RefusesEntriesBeyondE820MaxEntries) {
  EventLog log;
  E820Table t;
  for (size_t i = 0; i < kE820MaxEntries; ++i) {
    E820RangeAdd(&t, PhysAddr(i * 0x1000), ByteSize(0x1000), kRam, &log);
  }
  EXPECT_EQ(log.size(), 0u);
  E820RangeAdd(&t, PhysAddr(0x10000000), ByteSize(0x1000), kRam, &log);
  EXPECT_EQ(t.entries.size(), kE820MaxEntries);
  EXPECT_THAT(log.DmesgLines(), ElementsAre("too many entries; ignoring [mem "
                                            "0x10000000-0x10000fff]"));
}

// ---------------------------------------------------------------------------
// E820RangeUpdate / E820RangeRemove.

// 0        1G       2G       3G       4G
// |---------------RAM---------------|
//          |==update to reserved==|
// The entry keeps its head, the new type and the tail are appended.
TEST(E820RangeUpdateTest, SplitsAnEntryThatCoversTheRange) {
  EventLog log;
  E820Table t = Table({Sized(0, 4 * G, kRam)});
  EXPECT_EQ(E820RangeUpdate(&t, PhysAddr(1 * G), ByteSize(2 * G), kRam,
                            kReserved, &log),
            ByteSize(2 * G));
  EXPECT_EQ(t, Table({Sized(0, 1 * G, kRam), Sized(1 * G, 2 * G, kReserved),
                      Sized(3 * G, 1 * G, kRam)}));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("e820: update [mem 0x40000000-0xbfffffff] usable ==> "
                          "reserved"));
  EXPECT_EQ(log.events()[0].level, model::LogLevel::kDebug);
}

// |--RAM--|   |--RSV--|   |--RAM--|
//      |=====update RAM -> ACPI=====|
// Only entries of the old type change: the head of the first RAM entry and
// the tail of the last stay RAM; the reserved entry is untouched.
TEST(E820RangeUpdateTest, RetypesOnlyEntriesOfTheOldType) {
  EventLog log;
  E820Table t = Table({Sized(0, 2 * M, kRam), Sized(3 * M, 2 * M, kReserved),
                       Sized(6 * M, 2 * M, kRam)});
  EXPECT_EQ(
      E820RangeUpdate(&t, PhysAddr(1 * M), ByteSize(6 * M), kRam, kAcpi, &log),
      ByteSize(2 * M));
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 1 * M, kRam), Sized(1 * M, 1 * M, kAcpi),
                      Sized(3 * M, 2 * M, kReserved),
                      Sized(6 * M, 1 * M, kAcpi), Sized(7 * M, 1 * M, kRam)}));
}

TEST(E820RangeUpdateTest, ClampsTheSizeAtTheTopOfTheAddressSpace) {
  EventLog log;
  E820Table t = Table({Sized(0, 8 * G, kRam)});
  EXPECT_EQ(E820RangeUpdate(&t, PhysAddr(4 * G), ByteSize(UINT64_MAX), kRam,
                            kReservedKern, &log),
            ByteSize(4 * G));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("e820: update [mem "
                          "0x100000000-0xfffffffffffffffe] usable ==> usable"));
}

TEST(E820RangeUpdateTest, SameOldAndNewTypeIsTheKernelsBug) {
  EventLog log;
  E820Table t = Table({Sized(0, 4 * G, kRam)});
  EXPECT_EQ(E820RangeUpdate(&t, PhysAddr(0), ByteSize(1 * G), kRam, kRam, &log),
            std::nullopt);
  EXPECT_EQ(t, Table({Sized(0, 4 * G, kRam)}));
  ASSERT_TRUE(log.HasBug());
  EXPECT_EQ(log.events()[0].function, "__e820__range_update");
}

// |--RSV--|--RAM-----------------|
//      |=====remove any type=====|
// Without check_type the message has no type (and keeps its trailing
// space); a fully covered entry becomes {0, 0, 0} until the next sanitize.
TEST(E820RangeRemoveTest, WithoutTypeRemovesEverythingAndZeroesCoveredEntries) {
  EventLog log;
  E820Table t = Table({Sized(0, 2 * M, kReserved), Sized(2 * M, 2 * M, kRam)});
  EXPECT_EQ(
      E820RangeRemove(&t, PhysAddr(1 * M), ByteSize(3 * M), kRam, false, &log),
      ByteSize(3 * M));
  EXPECT_EQ(t, Table({Sized(0, 1 * M, kReserved), Sized(0, 0, E820Type{0})}));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("e820: remove [mem 0x00100000-0x003fffff] "));
  ASSERT_EQ(E820UpdateTable(&t), 0);
  EXPECT_EQ(t, Table({Sized(0, 1 * M, kReserved)}));
}

// |------------RAM-------------|
//          |==remove==|
TEST(E820RangeRemoveTest, CutsAHoleIntoAnEntryOfTheType) {
  EventLog log;
  E820Table t = Table({Sized(0, 4 * G, kRam), Sized(4 * G, 1 * G, kReserved)});
  EXPECT_EQ(
      E820RangeRemove(&t, PhysAddr(1 * G), ByteSize(4 * G), kRam, true, &log),
      ByteSize(3 * G));
  EXPECT_EQ(t, Table({Sized(0, 1 * G, kRam), Sized(4 * G, 1 * G, kReserved)}));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("e820: remove [mem 0x40000000-0x13fffffff] usable"));
}

TEST(E820MappedTest, AllNeedsFullCoverageAnyNeedsOneByte) {
  const E820Table t = Table({Sized(0, 1 * M, kRam), Sized(1 * M, 1 * M, kRam),
                             Sized(3 * M, 1 * M, kReserved)});
  EXPECT_TRUE(E820MappedAll(t, PhysAddr(0), PhysAddr(2 * M), kRam));
  EXPECT_FALSE(E820MappedAll(t, PhysAddr(0), PhysAddr(3 * M), kRam));
  EXPECT_FALSE(E820MappedAll(t, PhysAddr(3 * M), PhysAddr(4 * M), kRam));
  EXPECT_TRUE(E820MappedAll(t, PhysAddr(3 * M), PhysAddr(4 * M), std::nullopt));
  EXPECT_TRUE(E820MappedAny(t, PhysAddr(2 * M - 1), PhysAddr(3 * M), kRam));
  EXPECT_FALSE(
      E820MappedAny(t, PhysAddr(2 * M), PhysAddr(3 * M), std::nullopt));
}

// ---------------------------------------------------------------------------
// The command line: mem= and every memmap= form.

// A small firmware map: 640 KiB, 1 MiB .. 2 GiB, 4 GiB .. 6 GiB.
const E820Table kFirmware = Table({
    Ent(0x0, 0x9ffff, kRam),
    Ent(0x100000, 0x7fffffff, kRam),
    Ent(0x100000000, 0x17fffffff, kRam),
});

struct Early {
  E820Table table;
  std::vector<std::string> dmesg;
  std::vector<std::string> malformed;
  bool userdef = false;
  bool halted = false;
  std::optional<ByteSize> max_mem_size;
};

// parse_early_param() and e820__finish_early_params() on `firmware`.
Early RunEarly(std::string_view cmdline,
               const E820Table& firmware = kFirmware) {
  EventLog log;
  E820Setup setup(firmware, &log);
  absl::Status s = setup.ParseEarlyParam(cmdline, {"cmdline", 1, 1});
  EXPECT_TRUE(s.ok()) << s;
  setup.E820FinishEarlyParams();
  Early out{.table = setup.table(),
            .dmesg = log.DmesgLines(),
            .userdef = setup.userdef(),
            .halted = setup.halted(),
            .max_mem_size = setup.max_mem_size()};
  for (const absl::Status& m : setup.malformed()) {
    out.malformed.emplace_back(m.message());
  }
  return out;
}

TEST(ParseEarlyParamTest, WithoutMemOptionsTheMapIsNotUserDefined) {
  Early e = RunEarly("console=ttyS0 loglevel=7 memmap_on_memory=1 mem_x=1G");
  EXPECT_FALSE(e.userdef);
  EXPECT_THAT(e.dmesg, IsEmpty());
  EXPECT_EQ(e.table, kFirmware);
}

// 0    640K 1M             2G      4G           6G       8G    9G
// |RAM|    |-----RAM------|       |-----RAM----|        |=@=|
// memmap=nn@ss adds RAM; the user map is printed after sanitizing.
TEST(ParseEarlyParamTest, MemmapAtAddsRam) {
  Early e = RunEarly("memmap=1G@8G");
  EXPECT_TRUE(e.userdef);
  EXPECT_THAT(e.dmesg,
              ElementsAre("user-defined physical RAM map:",
                          "user: [mem 0x0000000000000000-0x000000000009ffff] "
                          "usable",
                          "user: [mem 0x0000000000100000-0x000000007fffffff] "
                          "usable",
                          "user: [mem 0x0000000100000000-0x000000017fffffff] "
                          "usable",
                          "user: [mem 0x0000000200000000-0x000000023fffffff] "
                          "usable"));
  EXPECT_THAT(e.malformed, IsEmpty());
}

// 1M                       2G-64K  2G
// |--------RAM-------------|=#=|
// memmap=nn#ss marks ACPI data; it outranks RAM where they overlap.
TEST(ParseEarlyParamTest, MemmapHashMarksAcpiData) {
  Early e = RunEarly("memmap=64K#0x7fff0000");
  EXPECT_EQ(e.table,
            Table({Ent(0x0, 0x9ffff, kRam), Ent(0x100000, 0x7ffeffff, kRam),
                   Ent(0x7fff0000, 0x7fffffff, kAcpi),
                   Ent(0x100000000, 0x17fffffff, kRam)}));
}

// 1M  2M  3M                2G
// |---|=$=|------RAM-------|
// memmap=nn$ss reserves, splitting RAM in two.
TEST(ParseEarlyParamTest, MemmapDollarReserves) {
  Early e = RunEarly("memmap=1M$2M");
  EXPECT_EQ(e.table,
            Table({Ent(0x0, 0x9ffff, kRam), Ent(0x100000, 0x1fffff, kRam),
                   Ent(0x200000, 0x2fffff, kReserved),
                   Ent(0x300000, 0x7fffffff, kRam),
                   Ent(0x100000000, 0x17fffffff, kRam)}));
}

// 4G      5G      6G
// |==!====|--RAM--|
// memmap=nn!ss: legacy persistent memory (type 12), printed as such, named
// "Persistent Memory (legacy)" in iomem and not busy (nd_e820 claims it).
TEST(ParseEarlyParamTest, MemmapBangMakesLegacyPersistentMemory) {
  Early e = RunEarly("memmap=1G!4G");
  EXPECT_THAT(e.dmesg, ::testing::Contains(
                           "user: [mem 0x0000000100000000-0x000000013fffffff] "
                           "persistent (type 12)"));
  EXPECT_EQ(e.table.entries[2], Ent(0x100000000, 0x13fffffff, kPram));
  EXPECT_EQ(e.table.entries[3], Ent(0x140000000, 0x17fffffff, kRam));
  std::vector<E820Resource> res = E820ReserveResources(e.table);
  EXPECT_EQ(res[2], (E820Resource{Range(0x100000000, 0x140000000),
                                  "Persistent Memory (legacy)", false,
                                  IoresDesc::kPersistentMemoryLegacy, false}));
}

// 4G   4.5G    6G
// |=%=|--RAM--|
// memmap=nn%ss+type adds an entry of that type (no message), which the
// sanitizer lets win over RAM.
TEST(ParseEarlyParamTest, MemmapPercentPlusAddsAnEntryOfTheType) {
  Early e = RunEarly("memmap=512M%0x100000000+0xefffffff");
  EXPECT_EQ(e.dmesg[3],
            "user: [mem 0x0000000100000000-0x000000011fffffff] soft reserved");
  EXPECT_EQ(e.table.entries[2], Ent(0x100000000, 0x11fffffff, kSoftReserved));
}

// memmap=nn%ss-old+new retypes with e820__range_update and its message.
TEST(ParseEarlyParamTest, MemmapPercentMinusPlusRetypes) {
  Early e = RunEarly("memmap=512M%4G-1+2");
  EXPECT_EQ(e.dmesg[0],
            "e820: update [mem 0x100000000-0x11fffffff] usable ==> reserved");
  EXPECT_EQ(e.table.entries[2], Ent(0x100000000, 0x11fffffff, kReserved));
  EXPECT_EQ(e.table.entries[3], Ent(0x120000000, 0x17fffffff, kRam));
}

// memmap=nn%ss-type removes only that type; memmap=nn%ss removes any.
TEST(ParseEarlyParamTest, MemmapPercentMinusRemovesATypeAndPlainPercentAll) {
  Early typed = RunEarly("memmap=512M%4G-1");
  EXPECT_EQ(typed.dmesg[0],
            "e820: remove [mem 0x100000000-0x11fffffff] usable");
  EXPECT_EQ(typed.table.entries[2], Ent(0x120000000, 0x17fffffff, kRam));

  Early any = RunEarly("memmap=512M%4G");
  EXPECT_EQ(any.dmesg[0], "e820: remove [mem 0x100000000-0x11fffffff] ");
  EXPECT_EQ(any.table, typed.table);

  Early other_type = RunEarly("memmap=512M%4G-2");
  EXPECT_EQ(other_type.table, kFirmware);
}

// 0                     1G
// |--RAM--|   |--RAM----|xxxxxxxxxxxxxxxxxxxxxxxxxxxxx
// memmap=nn (no @#$!%) removes all RAM above nn, like mem=nn, but leaves
// max_mem_size alone.
TEST(ParseEarlyParamTest, MemmapSizeAloneRemovesRamAboveIt) {
  Early e = RunEarly("memmap=1G");
  EXPECT_EQ(e.dmesg[0],
            "e820: remove [mem 0x40000000-0xfffffffffffffffe] usable");
  EXPECT_EQ(e.table,
            Table({Ent(0x0, 0x9ffff, kRam), Ent(0x100000, 0x3fffffff, kRam)}));
  EXPECT_EQ(e.max_mem_size, std::nullopt);
}

TEST(ParseEarlyParamTest, MemRemovesRamAboveTheLimitAndSetsMaxMemSize) {
  Early e = RunEarly("mem=4608M");
  EXPECT_EQ(e.dmesg[0],
            "e820: remove [mem 0x120000000-0xfffffffffffffffe] usable");
  EXPECT_EQ(e.table.entries.back(), Ent(0x100000000, 0x11fffffff, kRam));
  EXPECT_EQ(e.max_mem_size, ByteSize(4608 * M));
  EXPECT_THAT(e.malformed, IsEmpty());
}

// memmap=exactmap drops the firmware map; the entries after it build a new
// one.
TEST(ParseEarlyParamTest, ExactmapReplacesTheFirmwareMap) {
  Early e = RunEarly("memmap=exactmap,640K@0,2047M@1M memmap=1G$4G");
  EXPECT_EQ(e.table,
            Table({Ent(0x0, 0x9ffff, kRam), Ent(0x100000, 0x7fffffff, kRam),
                   Ent(0x100000000, 0x13fffffff, kReserved)}));
}

// e820__update_table() refuses a table of one entry, and
// e820__finish_early_params() panics.
TEST(ParseEarlyParamTest, ExactmapWithOneEntryPanics) {
  Early e = RunEarly("memmap=exactmap,1G@0");
  EXPECT_TRUE(e.halted);
  EXPECT_THAT(e.dmesg,
              ElementsAre("Kernel panic - not syncing: Invalid user supplied "
                          "memory map",
                          "---[ end Kernel panic - not syncing: Invalid user "
                          "supplied memory map ]---"));
}

// memparse: K M G T P E in either case; base 0 ("0x" hex, "0" octal).
TEST(ParseEarlyParamTest, SizesTakeEverySuffixInEitherCase) {
  Early e = RunEarly(
      "memmap=exactmap,1k@0,1K@1m,1M@1g,1G@1t,1T@1p,1P@1e,1@0x100000000000001,"
      "0x10@010K");
  EXPECT_EQ(
      e.table,
      Table({Sized(0, K, kRam), Sized(8 * K, 0x10, kRam), Sized(M, K, kRam),
             Sized(G, M, kRam), Sized(T, G, kRam), Sized(P, T, kRam),
             Sized(0x100000000000001, 1, kRam), Sized(E, P, kRam)}));
  EXPECT_THAT(e.malformed, IsEmpty());
}

// next_arg(): quotes around the option or the value, several memmap=
// options in order, and nothing after "--".
TEST(ParseEarlyParamTest, QuotesAreStrippedAndDoubleDashEndsTheOptions) {
  Early e = RunEarly(
      "\"memmap=1G@8G\" memmap=\"1G$16G\"\tmemmap=1G#32G -- memmap=1G@64G");
  EXPECT_EQ(e.table,
            Table({Ent(0x0, 0x9ffff, kRam), Ent(0x100000, 0x7fffffff, kRam),
                   Ent(0x100000000, 0x17fffffff, kRam), Sized(8 * G, G, kRam),
                   Sized(16 * G, G, kReserved), Sized(32 * G, G, kAcpi)}));
}

// ---------------------------------------------------------------------------
// Malformed options: what the kernel does, and the report for the author.

TEST(ParseEarlyParamTest, MemWithoutAValueIsAMalformedEarlyOption) {
  Early e = RunEarly("quiet mem");
  EXPECT_THAT(e.dmesg, ElementsAre("Malformed early option 'mem'"));
  EXPECT_FALSE(e.userdef);
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:7: expected mem=SIZE: parse_memopt "
                          "returns -EINVAL for a bare 'mem' and the kernel "
                          "warns \"Malformed early option 'mem'\""));
}

TEST(ParseEarlyParamTest, MemNopentiumIsIgnoredOnX86_64) {
  Early e = RunEarly("mem=nopentium");
  EXPECT_THAT(e.dmesg,
              ElementsAre("mem=nopentium ignored! (only supported on x86_32)",
                          "Malformed early option 'mem'"));
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:5: expected mem=SIZE: mem=nopentium is "
                          "for x86_32; parse_memopt returns -EINVAL"));
}

// mem=0 (or no number) is refused, yet it has set userdef: the unchanged map
// is printed as the user's.
TEST(ParseEarlyParamTest, MemZeroIsRefusedButStillPrintsTheUserMap) {
  Early e = RunEarly("mem=junk");
  EXPECT_EQ(e.dmesg[0], "Malformed early option 'mem'");
  EXPECT_EQ(e.dmesg[1], "user-defined physical RAM map:");
  EXPECT_EQ(e.table, kFirmware);
  EXPECT_EQ(e.max_mem_size, std::nullopt);
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:5: expected a non-zero size after mem=: "
                          "parse_memopt returns -EINVAL (the map still counts "
                          "as user-defined)"));
}

TEST(ParseEarlyParamTest, MemIgnoresTrailingCharacters) {
  Early e = RunEarly("mem=1Gx");
  EXPECT_EQ(e.max_mem_size, ByteSize(G));
  EXPECT_EQ(e.dmesg[0],
            "e820: remove [mem 0x40000000-0xfffffffffffffffe] usable");
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:7: expected the end of the option after "
                          "the size: parse_memopt ignores 'x'"));
}

// memmap= never says "Malformed early option": parse_memmap_opt drops the
// -EINVAL of each entry. An entry with trailing junk after its address has
// changed the map already.
TEST(ParseEarlyParamTest, MemmapTrailingJunkAfterTheAddressStillAddsTheRange) {
  Early e = RunEarly("memmap=1G@8Gx,1M$3M");
  EXPECT_EQ(e.table.entries.size(), 6u);
  EXPECT_EQ(e.table.entries[5], Sized(8 * G, G, kRam));
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:13: expected ',' or the end of the entry "
                          "after the address: the kernel changed the map, then "
                          "returned -EINVAL"));
  EXPECT_THAT(
      e.dmesg,
      ::testing::Not(::testing::Contains("Malformed early option 'memmap'")));
}

TEST(ParseEarlyParamTest, MemmapEmptyEntriesAreIgnored) {
  Early e = RunEarly("memmap=,1M$3M, memmap=");
  EXPECT_EQ(e.table.entries[2], Ent(0x300000, 0x3fffff, kReserved));
  EXPECT_THAT(
      e.malformed,
      ElementsAre("cmdline:1:8: expected a size (nn[KMGTPE]) at the start of "
                  "a memmap= entry: parse_memmap_one returns -EINVAL and the "
                  "entry is ignored",
                  "cmdline:1:15: expected a size (nn[KMGTPE]) at the start of "
                  "a memmap= entry: parse_memmap_one returns -EINVAL and the "
                  "entry is ignored",
                  "cmdline:1:23: expected a size (nn[KMGTPE]) at the start of "
                  "a memmap= entry: parse_memmap_one returns -EINVAL and the "
                  "entry is ignored"));
}

TEST(ParseEarlyParamTest, MemmapPercentWithJunkChangesNothing) {
  Early e = RunEarly("memmap=512M%4G+7x");
  EXPECT_EQ(e.table, kFirmware);
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:17: expected '-TYPE', '+TYPE', ',' or "
                          "the end of the entry: parse_memmap_one returns "
                          "-EINVAL before changing the map"));
}

TEST(ParseEarlyParamTest, MemmapSizeWithJunkStillRemovesRamAboveIt) {
  Early e = RunEarly("memmap=1Gx");
  EXPECT_EQ(e.table.entries.back(), Ent(0x100000, 0x3fffffff, kRam));
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:10: expected '@', '#', '$', '!', '%', "
                          "',' or the end of the entry after the size: the "
                          "kernel removed the RAM above it, then returned "
                          "-EINVAL"));
}

// A suffix without digits is memparse's 0 with the suffix consumed, so
// "G@4G" is an empty entry at 4G, not an error.
TEST(ParseEarlyParamTest, MemmapSuffixWithoutDigitsIsAZeroSize) {
  Early e = RunEarly("memmap=G@4G");
  EXPECT_TRUE(e.userdef);
  EXPECT_EQ(e.table, kFirmware);
  EXPECT_THAT(e.malformed, IsEmpty());
}

TEST(ParseEarlyParamTest, AbsurdNumbersWrapAsTheKernelsDo) {
  // 99999999999999999999 mod 2^64 = 0x6bc75e2d630fffff.
  Early e = RunEarly("memmap=exactmap,640K@0,99999999999999999999@0x1000000");
  EXPECT_EQ(e.table.entries[1], Sized(0x1000000, 0x6bc75e2d630fffff, kRam));
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:24: expected a size below 2^64: "
                          "memparse wraps it to 0x6bc75e2d630fffff"));

  // 16E is 2^64: 0 bytes.
  Early wrap = RunEarly("memmap=16E$0x1000000");
  EXPECT_EQ(wrap.table, kFirmware);
  EXPECT_THAT(wrap.malformed,
              ElementsAre("cmdline:1:8: expected a size below 2^64: memparse "
                          "wraps it to 0x0"));

  Early start = RunEarly("memmap=1G@32E");
  EXPECT_THAT(start.malformed,
              ElementsAre("cmdline:1:11: expected an address below 2^64: "
                          "memparse wraps it to 0x0"));
}

TEST(ParseEarlyParamTest, TypesAreTruncatedTo32Bits) {
  Early e = RunEarly("memmap=512M%4G+0x1efffffff");
  EXPECT_EQ(e.table.entries[2], Ent(0x100000000, 0x11fffffff, kSoftReserved));
  EXPECT_THAT(e.malformed,
              ElementsAre("cmdline:1:16: expected a type below 2^32: enum "
                          "e820_type truncates it to 4026531839"));
  // A type that truncates to 0 counts as absent: this removes any type.
  Early zero = RunEarly("memmap=512M%4G+0x100000000");
  EXPECT_EQ(zero.dmesg[0], "e820: remove [mem 0x100000000-0x11fffffff] ");
}

TEST(ParseEarlyParamTest, RetypingToTheSameTypeIsTheKernelsBug) {
  EventLog log;
  E820Setup setup(kFirmware, &log);
  ASSERT_TRUE(
      setup.ParseEarlyParam("memmap=512M%4G-1+1 memmap=1G@8G", {"c", 1, 1})
          .ok());
  setup.E820FinishEarlyParams();
  setup.TrimBiosRange();
  EXPECT_TRUE(setup.halted());
  EXPECT_TRUE(log.HasBug());
  EXPECT_EQ(log.size(), 1u);  // nothing after the BUG
  EXPECT_EQ(setup.table(), kFirmware);
  ASSERT_EQ(setup.malformed().size(), 1u);
  EXPECT_EQ(setup.malformed()[0].message(),
            "c:1:8: expected two different types in 512M%4G-1+1: "
            "e820__range_update BUGs on 1 ==> 1");
}

TEST(ParseEarlyParamTest, ColumnsCountFromWhereTheCommandLineStarts) {
  EventLog log;
  E820Setup setup(kFirmware, &log);
  ASSERT_TRUE(setup.ParseEarlyParam("mem", {"trace.txt", 4, 9}).ok());
  ASSERT_EQ(setup.malformed().size(), 1u);
  EXPECT_EQ(setup.malformed()[0].message().substr(0, 14), "trace.txt:4:9:");
}

TEST(ParseEarlyParamTest, RefusesInputThatCannotBeACommandLine) {
  EventLog log;
  E820Setup setup(kFirmware, &log);
  absl::Status nul = setup.ParseEarlyParam(
      std::string_view("quiet\0mem=1G", 12), {"t", 2, 10});
  EXPECT_EQ(nul.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(nul.message(),
            "t:2:15: expected a command line without NUL bytes (the "
            "kernel's is a C string)");
  absl::Status big = setup.ParseEarlyParam(std::string(2048, 'x'), {"t", 1, 1});
  EXPECT_EQ(big.message(),
            "t:1:2048: expected a command line of at most 2047 bytes "
            "(COMMAND_LINE_SIZE 2048), got 2048");
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(setup.table(), kFirmware);
}

// ---------------------------------------------------------------------------
// The boot trims.

// 0 4K                640K     1M
// |=|---RAM-----------|==RAM===|
// trim_bios_range(): the first page becomes reserved, RAM in the BIOS area
// goes. Both lines are printed whatever the table holds.
TEST(TrimBiosRangeTest, ReservesThePageAtZeroAndRemovesBiosAreaRam) {
  EventLog log;
  E820Setup setup(
      Table({Ent(0x0, 0xfffff, kRam), Ent(0x100000, 0x7fffffff, kRam)}), &log);
  setup.TrimBiosRange();
  EXPECT_EQ(setup.table(),
            Table({Ent(0x0, 0xfff, kReserved), Ent(0x1000, 0x9ffff, kRam),
                   Ent(0x100000, 0x7fffffff, kRam)}));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("e820: update [mem 0x00000000-0x00000fff] usable ==> "
                          "reserved",
                          "e820: remove [mem 0x000a0000-0x000fffff] usable"));
}

TEST(TrimBiosRangeTest, PrintsBothLinesEvenWithoutRamThere) {
  EventLog log;
  const E820Table high = Table({Ent(0x100000, 0x7fffffff, kRam),
                                Ent(0x80000000, 0x8fffffff, kReserved)});
  E820Setup setup(high, &log);
  setup.TrimBiosRange();
  EXPECT_EQ(setup.table(), high);
  EXPECT_EQ(log.size(), 2u);
}

// memmap=exactmap can leave the kernel image outside RAM: the kernel warns
// and puts RAM back under it.
TEST(E820AddKernelRangeTest, PutsTheKernelImageBackIntoRam) {
  EventLog log;
  E820Setup setup(kFirmware, &log);
  ASSERT_TRUE(setup.ParseEarlyParam("memmap=16M$16M", {"c", 1, 1}).ok());
  setup.E820FinishEarlyParams();
  const size_t before = log.size();
  setup.E820AddKernelRange(Range(0x1000000, 0x3000000));
  EXPECT_THAT(log.DmesgLines(before),
              ElementsAre(".text .data .bss are not marked as E820_TYPE_RAM!",
                          "e820: remove [mem 0x01000000-0x02ffffff] "));
  setup.TrimBiosRange();
  EXPECT_EQ(setup.table(),
            Table({Ent(0x0, 0xfff, kReserved), Ent(0x1000, 0x9ffff, kRam),
                   Ent(0x100000, 0x7fffffff, kRam),
                   Ent(0x100000000, 0x17fffffff, kRam)}));
  // Inside RAM: nothing to say.
  const size_t after = log.size();
  setup.E820AddKernelRange(Range(0x1000000, 0x3000000));
  EXPECT_EQ(log.size(), after);
}

// ---------------------------------------------------------------------------
// Consumers: memblock and iomem.

// 0  4K        0x9fc00 1M     0x7ffff800   4G   (RSV_KERN) (RAM)
// |R|---RAM---|        |---RAM---|         |--RK--|--RAM--|   |--SR--|
// Touching RAM and RESERVED_KERN merge in memblock.memory; partial pages
// are trimmed per merged region; soft reserved goes to memblock.reserved.
TEST(E820MemblockSetupTest, MergesRamAndReservedKernAndTrimsPartialPages) {
  const E820Table t = Table({
      Ent(0x0, 0xfff, kReserved),
      Ent(0x1000, 0x9fbff, kRam),
      Ent(0x100000, 0x7ffff7ff, kRam),
      Ent(0x100000000, 0x1000007ff, kReservedKern),
      Ent(0x100000800, 0x13fffffff, kRam),
      Ent(0x140000000, 0x17fffffff, kSoftReserved),
      Ent(0x180000000, 0x1bfffffff, kSoftReserved),
      Ent(0x1c0000000, 0x1c00007ff, kRam),
  });
  EXPECT_EQ(E820MemblockSetup(t, X86()),
            (E820Memblock{
                .memory = {Range(0x1000, 0x9f000), Range(0x100000, 0x7ffff000),
                           Range(0x100000000, 0x140000000)},
                .reserved = {Range(0x140000000, 0x1c0000000)},
            }));
}

TEST(E820ReserveResourcesTest, NamesEveryTypeAndMarksBusyAsDoMarkBusy) {
  const E820Table t = Table({
      Ent(0x0, 0xfff, kReserved),  // below 1 MiB: busy
      Ent(0x1000, 0x9fbff, kRam),
      Ent(0xe0000, 0xeffff, kPmem),  // below 1 MiB: busy
      Ent(0x100000, 0x7fffffff, kRam),
      Ent(0x80000000, 0x8000ffff, kAcpi),
      Ent(0x80010000, 0x8001ffff, kNvs),
      Ent(0x80020000, 0x8002ffff, kUnusable),
      Ent(0x80030000, 0x8003ffff, E820Type{20}),
      Ent(0x80040000, 0x8004ffff, kReservedKern),
      Ent(0x90000000, 0x9fffffff, kReserved),
      Ent(0x100000000, 0x13fffffff, kPmem),
      Ent(0x140000000, 0x17fffffff, kPram),
      Ent(0x180000000, 0x1bfffffff, kSoftReserved),
  });
  using D = IoresDesc;
  EXPECT_THAT(
      E820ReserveResources(t),
      ElementsAre(
          E820Resource{Range(0x0, 0x1000), "Reserved", true, D::kReserved},
          E820Resource{Range(0x1000, 0x9fc00), "System RAM", true, D::kNone,
                       true},
          E820Resource{Range(0xe0000, 0xf0000), "Persistent Memory", true,
                       D::kPersistentMemory},
          E820Resource{Range(0x100000, 0x80000000), "System RAM", true,
                       D::kNone, true},
          E820Resource{Range(0x80000000, 0x80010000), "ACPI Tables", true,
                       D::kAcpiTables},
          E820Resource{Range(0x80010000, 0x80020000),
                       "ACPI Non-volatile Storage", true, D::kAcpiNvStorage},
          E820Resource{Range(0x80020000, 0x80030000), "Unusable memory", true,
                       D::kNone},
          E820Resource{Range(0x80030000, 0x80040000), "Unknown E820 type", true,
                       D::kNone},
          E820Resource{Range(0x80040000, 0x80050000), "System RAM", true,
                       D::kNone, true},
          E820Resource{Range(0x90000000, 0xa0000000), "Reserved", false,
                       D::kReserved},
          E820Resource{Range(0x100000000, 0x140000000), "Persistent Memory",
                       false, D::kPersistentMemory},
          E820Resource{Range(0x140000000, 0x180000000),
                       "Persistent Memory (legacy)", false,
                       D::kPersistentMemoryLegacy},
          E820Resource{Range(0x180000000, 0x1c0000000), "Soft Reserved", false,
                       D::kSoftReserved}));
}

TEST(E820ReserveResourcesTest, LeavesOutEmptyEntriesAndTheTopOfTheSpace) {
  const E820Table t = Table(
      {Sized(0, 0, E820Type{0}), Sized(0xfffffffffffff000, 0x1000, kReserved)});
  EXPECT_THAT(E820ReserveResources(t), IsEmpty());
}

// RAM ends at 0x9fc00 (in the first MiB: padded to 64 KiB), 0xe34000
// (below 16 MiB: to 1 MiB) and 0x7ffe0000 (above: to 64 MiB); RAM ending at
// 4 GiB needs no buffer, and RESERVED_KERN gets none.
TEST(E820ReserveResourcesLateTest, PadsTheEndOfRamToRamAlignment) {
  EventLog log;
  const E820Table t = Table({
      Ent(0x1000, 0x9fbff, kRam),
      Ent(0x100000, 0xe33fff, kRam),
      Ent(0xf00000, 0xf0efff, kReservedKern),
      Ent(0x1000000, 0x7ffdffff, kRam),
      Ent(0x100000000, 0x13fffffff, kRam),
  });
  EXPECT_THAT(E820ReserveResourcesLate(t, &log),
              ElementsAre(Range(0x9fc00, 0xa0000), Range(0xe34000, 0xf00000),
                          Range(0x7ffe0000, 0x80000000)));
  EXPECT_THAT(
      log.DmesgLines(),
      ElementsAre("e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]",
                  "e820: reserve RAM buffer [mem 0x00e34000-0x00efffff]",
                  "e820: reserve RAM buffer [mem 0x7ffe0000-0x7fffffff]"));
}

TEST(E820EndOfRamPfnTest, FindsTheEndOfRamBelowTheLimits) {
  EventLog log;
  const E820Table t =
      Table({Ent(0x1000, 0x9fbff, kRam), Ent(0x100000, 0xbffdffff, kRam),
             Ent(0x100000000, 0x13fffffff, kRam),
             Ent(0x140000000, 0x17fffffff, kSoftReserved)});
  EXPECT_EQ(E820EndOfRamPfn(t, X86(), &log), model::Pfn(0x140000));
  EXPECT_EQ(E820EndOfLowRamPfn(t, X86(), &log), model::Pfn(0xbffe0));
  EXPECT_EQ(
      E820EndOfRamPfn(Table({Ent(0xa0000, 0xfffff, kReserved)}), X86(), &log),
      model::Pfn(0));
  EXPECT_THAT(log.DmesgLines(),
              ElementsAre("last_pfn = 0x140000 max_arch_pfn = 0x400000000",
                          "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
                          "last_pfn = 0x0 max_arch_pfn = 0x400000000"));
}

}  // namespace
}  // namespace memhp::hotplug
