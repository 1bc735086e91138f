// libyaml's emitter driven event by event: stream start, an implicit document, the
// scalar or the flow sequence, an implicit document end, stream end; the text written is
// collected and its final newline removed. Every event is checked as it is initialised
// (libyaml refuses text that is not UTF-8 there) and as it is emitted; the first failure
// ends the emission (the emitter must not be fed after an error).
#include "common/yaml_emit.hpp"

#include <yaml.h>

namespace common::yaml {
namespace {

// One emitter writing into a string.
class Emitter {
  public:
    Emitter() {
        m_initialised = yaml_emitter_initialize(&m_emitter) == 1;
        m_ok = m_initialised;
        if (!m_ok) return;
        yaml_emitter_set_output(&m_emitter, &Emitter::write, &m_out);
        yaml_emitter_set_width(&m_emitter, -1);
        yaml_emitter_set_unicode(&m_emitter, 1);
        yaml_event_t event;
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
        emit(event, true);
        yaml_document_start_event_initialize(&event, nullptr, nullptr, nullptr, 1);
        emit(event, true);
    }
    ~Emitter() {
        if (m_initialised) yaml_emitter_delete(&m_emitter);
    }
    Emitter(const Emitter&) = delete;
    Emitter& operator=(const Emitter&) = delete;

    void scalar(OutScalar s) {
        const bool quote = s.quote || s.text.empty() || s.text.find('\n') != std::string_view::npos;
        yaml_event_t event;
        const int made = yaml_scalar_event_initialize(
            &event, nullptr, nullptr,
            reinterpret_cast<yaml_char_t*>(const_cast<char*>(s.text.data())),
            static_cast<int>(s.text.size()), 1, 1,
            quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
        emit(event, made == 1);
    }

    void sequence_start() {
        yaml_event_t event;
        const int made = yaml_sequence_start_event_initialize(&event, nullptr, nullptr, 1,
                                                              YAML_FLOW_SEQUENCE_STYLE);
        emit(event, made == 1);
    }

    void sequence_end() {
        yaml_event_t event;
        emit(event, yaml_sequence_end_event_initialize(&event) == 1);
    }

    // Ends the document and the stream; the text, or why it could not be written.
    Result<std::string> finish() {
        yaml_event_t event;
        emit(event, yaml_document_end_event_initialize(&event, 1) == 1);
        emit(event, yaml_stream_end_event_initialize(&event) == 1);
        if (!m_ok) {
            const char* problem = m_initialised ? m_emitter.problem : nullptr;
            return fail(ErrorCode::input, std::string("cannot be written as YAML: ") +
                                              (problem ? problem : "the text is not UTF-8"));
        }
        while (!m_out.empty() && m_out.back() == '\n') m_out.pop_back();
        if (m_out.ends_with("\n...")) m_out.resize(m_out.size() - 4);
        return std::move(m_out);
    }

  private:
    static int write(void* data, unsigned char* buffer, size_t size) {
        static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
        return 1;
    }

    // Emits `event` when it was made and nothing failed before (once emitted, the emitter
    // owns it, even on failure; an event never made holds nothing to free).
    void emit(yaml_event_t& event, bool made) {
        if (!made) {
            m_ok = false;
            return;
        }
        if (!m_ok) {
            yaml_event_delete(&event);
            return;
        }
        m_ok = yaml_emitter_emit(&m_emitter, &event) == 1;
    }

    yaml_emitter_t m_emitter{};
    bool m_initialised = false;
    bool m_ok = true;
    std::string m_out;
};

}  // namespace

Result<std::string> emit_scalar(OutScalar s) {
    Emitter e;
    e.scalar(s);
    return e.finish();
}

Result<std::string> emit_flow_sequence(const std::vector<OutScalar>& items) {
    Emitter e;
    e.sequence_start();
    for (const auto& item : items) e.scalar(item);
    e.sequence_end();
    return e.finish();
}

}  // namespace common::yaml
