#include "incident/controller.h"

#include <variant>

#include "core/log.h"
#include "incident/scrub.h"

namespace ibsr::incident {

std::uint64_t tagHash(const std::string& tag) {
  return fnv1a64(reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size());
}

Status Controller::init() {
  if (Status st = program_.setConfig(IBSR_CFG_SAMPLE_RATE, state_.rate); !st.ok()) return st;
  if (Status st = program_.setConfig(IBSR_CFG_INCIDENT_TAG_HASH, tagHash(state_.tag)); !st.ok())
    return st;
  if (Status st = program_.setConfig(IBSR_CFG_TRIGGER_TIMESTAMP, 0); !st.ok()) return st;
  return program_.setConfig(IBSR_CFG_SAMPLING_ACTIVE, state_.samplingActive ? 1 : 0);
}

std::string Controller::handleLine(const std::string& line) {
  auto cmd = parseCommand(line);
  if (!cmd.ok()) {
    log::info("trigger socket: rejected command: {}", cmd.error().message);
    return errorReply(cmd.error().message);
  }
  return apply(*cmd);
}

std::string Controller::apply(const Command& cmd) {
  if (const auto* c = std::get_if<SetSampleRateCmd>(&cmd)) {
    if (Status st = program_.setConfig(IBSR_CFG_SAMPLE_RATE, c->rate); !st.ok())
      return errorReply(st.error().message);
    state_.rate = c->rate;
    log::notice("sample rate set to 1-in-{}", c->rate);
    return okReply();
  }
  if (const auto* c = std::get_if<TriggerCmd>(&cmd)) {
    std::uint64_t now = clock_.nowUnix();
    std::uint64_t rate = c->rate.value_or(state_.rate);
    drain_();
    Status rotated = sink_.rotate(c->tag, now);
    // Escalate the kernel side even if the new file could not be created: samples are then
    // counted as write errors, and the reply says what went wrong.
    for (auto [slot, value] : {std::pair{IBSR_CFG_SAMPLE_RATE, rate},
                               std::pair{IBSR_CFG_INCIDENT_TAG_HASH, tagHash(c->tag)},
                               std::pair{IBSR_CFG_TRIGGER_TIMESTAMP, now},
                               std::pair{IBSR_CFG_SAMPLING_ACTIVE, std::uint64_t{1}}}) {
      if (Status st = program_.setConfig(slot, value); !st.ok())
        return errorReply(st.error().message);
    }
    state_.samplingActive = true;
    state_.rate = rate;
    state_.tag = c->tag;
    state_.triggerTs = now;
    state_.deadlineTs = c->durationSec ? std::optional(now + *c->durationSec) : std::nullopt;
    log::notice("trigger '{}': sampling 1-in-{}{}, writing {}", c->tag, rate,
                c->durationSec ? fmt::format(" for {} s", *c->durationSec) : std::string(),
                sink_.currentDir());
    if (!rotated.ok()) return errorReply("triggered, but " + rotated.error().message);
    return okReply();
  }
  if (std::holds_alternative<StopCmd>(cmd)) {
    if (Status st = program_.setConfig(IBSR_CFG_SAMPLING_ACTIVE, 0); !st.ok())
      return errorReply(st.error().message);
    state_.samplingActive = false;
    state_.deadlineTs.reset();
    log::notice("sampling stopped");
    return okReply();
  }
  return statusReply(state_);
}

bool Controller::checkDeadline() {
  if (!state_.samplingActive || !state_.deadlineTs) return false;
  if (clock_.nowUnix() < *state_.deadlineTs) return false;
  if (Status st = program_.setConfig(IBSR_CFG_SAMPLING_ACTIVE, 0); !st.ok()) {
    log::error("cannot stop sampling at the trigger deadline: {}", st.error().message);
    return false;
  }
  state_.samplingActive = false;
  log::notice("trigger '{}' reached its duration; sampling stopped", state_.tag);
  return true;
}

}  // namespace ibsr::incident
