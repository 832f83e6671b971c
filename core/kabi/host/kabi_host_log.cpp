// SPDX-License-Identifier: GPL-2.0
// core/kabi/host/kabi_host_log.cpp: kabi/log.h over vsnprintf, with capture for tests.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "host_test_api.h"
#include "kabi/log.h"

namespace {

struct LogState {
	std::mutex lock;
	std::deque<std::string> lines;
	bool echo = getenv("LIO_HOST_LOG_QUIET") == nullptr;
};

LogState &state() {
	static LogState s; // host only: a function-local static is fine here
	return s;
}

const char *level_name(enum kabi_log_level level) {
	switch (level) {
	case KABI_LOG_ERR:
		return "err";
	case KABI_LOG_WARNING:
		return "warn";
	case KABI_LOG_NOTICE:
		return "notice";
	case KABI_LOG_INFO:
		return "info";
	case KABI_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

std::string vformat(const char *fmt, va_list args) {
	va_list copy;
	va_copy(copy, args);
	int n = vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return "(bad format)";
	std::string s(static_cast<size_t>(n) + 1, '\0');
	vsnprintf(s.data(), s.size(), fmt, args);
	s.resize(static_cast<size_t>(n));
	return s;
}

} // namespace

void kabi_log(enum kabi_log_level level, const char *fmt, ...) {
	va_list args;
	va_start(args, fmt);
	std::string text = vformat(fmt, args);
	va_end(args);
	while (!text.empty() && text.back() == '\n')
		text.pop_back();
	std::string line = std::string(level_name(level)) + ": " + text;

	LogState &s = state();
	std::lock_guard<std::mutex> guard(s.lock);
	if (s.echo)
		fprintf(stderr, "lio-cxx %s\n", line.c_str());
	s.lines.push_back(std::move(line));
	if (s.lines.size() > kLogKeep)
		s.lines.pop_front();
}

int32_t kabi_snprintf(char *buf, uint64_t size, const char *fmt, ...) {
	if (size == 0)
		return 0;
	if (size > INT32_MAX)
		size = INT32_MAX;
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	// scnprintf: what was written, not what would have been.
	return static_cast<uint64_t>(n) >= size ? static_cast<int32_t>(size - 1) : n;
}

std::vector<std::string> kabi_host_log_take() {
	LogState &s = state();
	std::lock_guard<std::mutex> guard(s.lock);
	std::vector<std::string> out(s.lines.begin(), s.lines.end());
	s.lines.clear();
	return out;
}

void kabi_host_log_clear() { kabi_host_log_take(); }

void kabi_host_log_set_echo(bool echo) {
	LogState &s = state();
	std::lock_guard<std::mutex> guard(s.lock);
	s.echo = echo;
}
