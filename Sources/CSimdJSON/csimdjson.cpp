// A C interface to simdjson's DOM parser: the document is flattened into an array of events that Swift
// turns into its own value type in one pass.
#include "csimdjson.h"
#include <simdjson.h>
#include <vector>

namespace {
thread_local simdjson::dom::parser parser;
thread_local std::vector<svj_event> events;
thread_local const char *walkError = nullptr;

// The event of a number (Int64 or double) into `e`; false for anything else.
inline bool number(simdjson::dom::element element, svj_event &e) {
    switch (element.type()) {
    case simdjson::dom::element_type::INT64:
        e.type = SVJ_INT;
        e.value.integer = element.get_int64().value_unsafe();
        return true;
    case simdjson::dom::element_type::DOUBLE:
        e.type = SVJ_DOUBLE;
        e.value.real = element.get_double().value_unsafe();
        return true;
    default:
        return false;
    }
}

void walk(simdjson::dom::element element) {
    svj_event e{};
    if (number(element, e)) {
        events.push_back(e);
        return;
    }
    switch (element.type()) {
    case simdjson::dom::element_type::ARRAY: {
        simdjson::dom::array array = element.get_array().value_unsafe();
        size_t at = events.size();
        e.type = SVJ_ARRAY;
        events.push_back(e);
        uint32_t n = 0;
        // Numbers (a vector's components) are written here rather than by a call each.
        for (simdjson::dom::element child : array) {
            svj_event x{};
            if (number(child, x)) events.push_back(x); else walk(child);
            n++;
        }
        events[at].length = n;
        return;
    }
    case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object object = element.get_object().value_unsafe();
        size_t at = events.size();
        e.type = SVJ_OBJECT;
        events.push_back(e);
        uint32_t n = 0;
        for (simdjson::dom::key_value_pair field : object) {
            svj_event key{};
            key.type = SVJ_KEY;
            key.length = (uint32_t)field.key.size();
            key.value.string = field.key.data();
            events.push_back(key);
            walk(field.value);
            n++;
        }
        events[at].length = n;
        return;
    }
    case simdjson::dom::element_type::UINT64:
        // Above the 64-bit signed range: refused, as jansson does.
        walkError = "too big integer";
        e.type = SVJ_NULL;
        break;
    case simdjson::dom::element_type::STRING: {
        std::string_view s = element.get_string().value_unsafe();
        e.type = SVJ_STRING;
        e.length = (uint32_t)s.size();
        e.value.string = s.data();
        break;
    }
    case simdjson::dom::element_type::BOOL:
        e.type = element.get_bool().value_unsafe() ? SVJ_TRUE : SVJ_FALSE;
        break;
    case simdjson::dom::element_type::NULL_VALUE:
        e.type = SVJ_NULL;
        break;
    default:  // numbers, taken above
        break;
    }
    events.push_back(e);
}
}  // namespace

// The parser's buffers (tape, strings, structural indexes) are sized from the largest document it has
// parsed, and the events vector likewise. Large documents come in runs (bulk inserts): their buffers are kept
// while the run goes on and freed at this thread's first small document, so that they do not stay resident
// behind a server that only searches from then on.
static const size_t keptCapacity = 256 * 1024;

static void releaseLargeBuffers() {
    if (parser.capacity() > keptCapacity) parser = simdjson::dom::parser();
    if (events.capacity() > keptCapacity / sizeof(svj_event)) std::vector<svj_event>().swap(events);
}

extern "C" const svj_event *svj_parse(const char *data, size_t length, size_t *count, const char **error) {
    if (length <= keptCapacity) releaseLargeBuffers();
    events.clear();
    walkError = nullptr;
    simdjson::dom::element root;
    // realloc_if_needed: the input is copied into a padded buffer, so any buffer can be passed.
    simdjson::error_code code = parser.parse(data, length, true).get(root);
    if (code != simdjson::SUCCESS) {
        *error = simdjson::error_message(code);
        return nullptr;
    }
    walk(root);
    if (walkError) {
        *error = walkError;
        return nullptr;
    }
    *count = events.size();
    return events.data();
}
