// Onlining and offlining the pages of a memory block (mm/memory_hotplug.c,
// v6.1): online_pages and offline_pages, with the node-state bookkeeping of
// the memory notifier (node_states_check_changes_online/offline) and the
// page isolation check of mm/page_isolation.c (has_unmovable_pages).
//
// Both run with mem_hotplug_lock held for writing (the caller,
// memory_block_online/offline, takes it); they have no suspension points of
// their own.
//
// What the model knows of the pages: a page is PageReserved (memblock
// reservations, holes, pages never freed to the buddy) or it is free or
// movable. offline_pages fails "due to failure to isolate range" (-EBUSY)
// exactly when the range has a PageReserved page; migration of everything
// else succeeds.
// DIVERGENCE: unmovable kernel allocations outside PageReserved, pinned
// pages (the kernel's endless retry until a signal), hugetlb dissolution,
// managed pages, watermarks and the zonelist rebuild messages
// ("Built %u zonelists ...", whose page total needs managed pages) are not
// modelled. pr_debug lines are not in the log (dynamic debug is off on the
// oracle); dump_page() of the unmovable page prints only its last line.

#ifndef MEMHP_HOTPLUG_ONLINE_PAGES_H_
#define MEMHP_HOTPLUG_ONLINE_PAGES_H_

#include "hotplug/machine.h"
#include "hotplug/memory_group.h"
#include "hotplug/zone.h"
#include "model/types.h"

namespace memhp::hotplug {

// Kernel: mm/memory_hotplug.c online_pages (v6.1): WARN_ON_ONCE and -EINVAL
// unless nr_pages > 0, pfn is pageblock aligned and pfn + nr_pages section
// aligned; move_pfn_range_to_zone(); MEM_GOING_ONLINE (a veto undoes the
// move: MEM_CANCEL_ONLINE, remove_pfn_range_from_zone, the errno);
// online_pages_range() frees the pages (PageReserved cleared) and marks the
// sections online; present pages grow (the zone's, the node's and those of
// `group`, the block's memory group or nullptr); MEM_ONLINE. Returns 0 or
// -errno.
// v5.3 (!memory_holes_refused): online_pages_range() under
// walk_system_ram_range(): only the System RAM pieces are freed and count as
// present, their sections go online, a range without System RAM fails with
// -EINVAL after MEM_GOING_ONLINE (MEM_CANCEL_ONLINE), and MEM_ONLINE is sent
// only when pages were onlined; a failure leaves the range in the zone
// (!shrink_zone_span_on_offline).
int OnlinePages(Machine& m, model::Pfn pfn, model::NrPages nr_pages,
                model::NodeId nid, ZoneType zone, MemoryGroup* group = nullptr);

// Kernel: mm/memory_hotplug.c offline_pages (v6.1), in the kernel's order:
// the alignment WARN_ON_ONCE (-EINVAL); "memory holes" (-EINVAL) when
// walk_system_ram_range() does not count every page; "multizone range"
// (WARN_ON_ONCE, -EINVAL) when the first or last page is not in `zone`;
// "failure to isolate range" (-EBUSY) for a PageReserved page;
// MEM_GOING_OFFLINE ("notifier failure", the notifier's errno, then
// MEM_CANCEL_OFFLINE); then the sections go offline, present pages shrink
// (`group`'s too), MEM_OFFLINE, and remove_pfn_range_from_zone() shrinks the
// zone. Returns 0 or -errno.
// v5.3 (!offline_uses_memory_block_zone): __offline_pages(), `zone` and `nid`
// ignored: test_pages_in_a_zone() finds the zone ("multizone range",
// -EINVAL, nothing printed), then isolation (-EBUSY; has_unmovable_pages()
// WARN_ON_ONCEs for ZONE_MOVABLE), MEM_GOING_OFFLINE, the System RAM pieces
// offlined, pr_info "Offlined Pages %ld" with their page count, present pages
// shrink by that count, MEM_OFFLINE; the span stays (see
// shrink_zone_span_on_offline).
int OfflinePages(Machine& m, model::Pfn start_pfn, model::NrPages nr_pages,
                 model::NodeId nid, ZoneType zone,
                 MemoryGroup* group = nullptr);

// node_state(nid, N_MEMORY) / N_NORMAL_MEMORY as the model derives them:
// a node has memory when one of its zones has present pages (normal memory:
// a zone up to ZONE_NORMAL).
bool NodeHasMemory(const Machine& m, model::NodeId nid);
bool NodeHasNormalMemory(const Machine& m, model::NodeId nid);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ONLINE_PAGES_H_
