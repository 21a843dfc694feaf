#include "plan_json.hpp"

#include "json_writer.hpp"
#include "medium.hpp"

namespace remaster {
namespace {

const char* action_name(FilterAction a) { return a == FilterAction::empty_dir ? "empty" : "exclude"; }

const char* scrub_kind(ScrubAction::Kind k) {
    switch (k) {
        case ScrubAction::Kind::symlink: return "symlink";
        case ScrubAction::Kind::strip_wpa_networks: return "strip_wpa_networks";
        case ScrubAction::Kind::copy_file: return "copy_file";
        default: return "write_file";
    }
}

void kernel_json(JsonWriter& j, const Kernel& k, bool is_default) {
    j.begin_object().key("version").value(k.version).key("image").value(k.image).key("default").value(is_default).end_object();
}

// The system a stick or ISO boots: adapter, kernels, UEFI chain.
void system_json(JsonWriter& j, const StickPlan& s) {
    j.key("adapter").value(s.adapter ? s.adapter->family() : std::string());
    j.key("adapter_why").value(s.adapter_why);
    j.key("os").value(s.os_name);
    j.key("kernels").begin_array();
    kernel_json(j, s.kernel, true);
    for (const auto& k : s.other_kernels) kernel_json(j, k, false);
    j.end_array();
    j.key("secure_boot").value(s.signed_chain.has_value());
    j.key("kernel_args").value(s.kernel_args);
}

void outputs_json(JsonWriter& j, const Plan& plan) {
    j.key("squashfs");
    if (plan.squashfs_out.empty()) j.null();
    else j.value(plan.squashfs_out);
    j.key("iso");
    if (plan.to_iso) j.value(plan.iso_out);
    else j.null();
    j.key("netboot");
    if (plan.to_netboot) {
        j.begin_object();
        j.key("dir").value(plan.netboot_out);
        j.key("sign_key");
        if (plan.sign_key.empty()) j.null();
        else j.value(plan.sign_key);
        j.end_object();
    } else {
        j.null();
    }
    j.key("stick");
    if (!plan.to_stick) {
        j.null();
        return;
    }
    const StickPlan& s = plan.stick;
    j.begin_object();
    j.key("target").value(s.target);
    j.key("image_file").value(s.image_file);
    j.key("existing_stick").value(!s.existing_uuid.empty());
    j.key("holds").value(s.contents);
    j.key("needs_confirmation").value(s.overwrites);
    j.key("snapshot").value(SnapshotDir::as_booted(s.snapshot_id).path());
    j.key("update_url");
    if (plan.update_url.empty()) j.null();
    else j.value(plan.update_url);
    j.end_object();
}

void view_json(JsonWriter& j, const Plan& plan, const std::vector<ExcludedPath>& matches) {
    j.key("view_mounts").begin_object().key("composed").strings(plan.view_mounts.composed).key("skipped").begin_array();
    for (const auto& m : plan.view_mounts.skipped)
        j.begin_object().key("path").value(m.target).key("reason").value(m.reason).end_object();
    j.end_array().key("sources").begin_object();
    for (const auto& [path, what] : plan.view_mounts.sources) j.key(path).value(what);
    j.end_object().end_object();
    j.key("scrub").begin_array();
    for (const auto& a : plan.scrub)
        j.begin_object().key("path").value(a.path).key("kind").value(scrub_kind(a.kind)).key("reason").value(a.reason).end_object();
    j.end_array();
    j.key("exclusion_rules").begin_array();
    for (const auto& r : plan.exclusions.rules())
        j.begin_object().key("pattern").value(r.pattern).key("action").value(action_name(r.action)).key("reason").value(r.reason).end_object();
    j.end_array();
    j.key("excluded").begin_array();
    for (const auto& m : matches)
        j.begin_object()
            .key("path").value(m.path)
            .key("action").value(action_name(m.rule->action))
            .key("reason").value(m.rule->reason)
            .end_object();
    j.end_array();
}

}  // namespace

void print_plan_json(const Plan& plan, const std::vector<ExcludedPath>& matches, std::ostream& os) {
    JsonWriter j(os);
    j.begin_object();
    j.key("schema").value(uint64_t{1});
    j.key("root").value(plan.root);
    outputs_json(j, plan);
    j.key("system");
    if (plan.to_stick || plan.to_iso || plan.to_netboot) {
        j.begin_object();
        system_json(j, plan.stick);
        j.end_object();
    } else {
        j.null();
    }
    j.key("initramfs_cache");
    if (plan.cache_dir.empty()) j.null();
    else j.value(plan.cache_dir);
    j.key("compress")
        .begin_object()
        .key("compressor").value(plan.squash.compressor)
        .key("level").value(static_cast<uint64_t>(plan.squash.level))
        .key("block_size").value(uint64_t{plan.squash.block_size})
        .key("jobs").value(uint64_t{plan.squash.jobs})
        .end_object();
    view_json(j, plan, matches);
    j.end_object();
    os << "\n";
}

}  // namespace remaster
