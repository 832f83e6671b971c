// SPDX-License-Identifier: GPL-2.0
/*
 * lio/utility.h: the small part of <utility> and <type_traits> the engine needs.
 *
 * Rules: everything lives in namespace lio (never std, which the host build also has).
 * Call lio::move / lio::forward qualified in headers: an unqualified call with an argument of
 * a std type would also find std::move by argument-dependent lookup on the host.
 * Traits use compiler builtins where the library would.
 */
#ifndef LIO_UTILITY_H
#define LIO_UTILITY_H

#include "lio/types.h"

namespace lio {

template <typename T, T v> struct integral_constant {
	static constexpr T value = v;
};
using true_type = integral_constant<bool, true>;
using false_type = integral_constant<bool, false>;

template <typename T> struct remove_reference { using type = T; };
template <typename T> struct remove_reference<T &> { using type = T; };
template <typename T> struct remove_reference<T &&> { using type = T; };
template <typename T> using remove_reference_t = typename remove_reference<T>::type;

template <typename T> struct remove_cv { using type = T; };
template <typename T> struct remove_cv<const T> { using type = T; };
template <typename T> struct remove_cv<volatile T> { using type = T; };
template <typename T> struct remove_cv<const volatile T> { using type = T; };
template <typename T> using remove_cv_t = typename remove_cv<T>::type;
template <typename T> using remove_cvref_t = remove_cv_t<remove_reference_t<T>>;

template <bool B, typename T = void> struct enable_if {};
template <typename T> struct enable_if<true, T> { using type = T; };
template <bool B, typename T = void> using enable_if_t = typename enable_if<B, T>::type;

template <bool B, typename T, typename F> struct conditional { using type = T; };
template <typename T, typename F> struct conditional<false, T, F> { using type = F; };
template <bool B, typename T, typename F> using conditional_t = typename conditional<B, T, F>::type;

template <typename A, typename B> inline constexpr bool is_same_v = false;
template <typename A> inline constexpr bool is_same_v<A, A> = true;

template <typename T> inline constexpr bool is_reference_v = false;
template <typename T> inline constexpr bool is_reference_v<T &> = true;
template <typename T> inline constexpr bool is_reference_v<T &&> = true;

template <typename T> inline constexpr bool is_pointer_v = false;
template <typename T> inline constexpr bool is_pointer_v<T *> = true;
template <typename T> inline constexpr bool is_pointer_v<T *const> = true;

template <typename T> inline constexpr bool is_const_v = false;
template <typename T> inline constexpr bool is_const_v<const T> = true;

namespace detail {
template <typename T> inline constexpr bool is_integral = false;
template <> inline constexpr bool is_integral<bool> = true;
template <> inline constexpr bool is_integral<char> = true;
template <> inline constexpr bool is_integral<signed char> = true;
template <> inline constexpr bool is_integral<unsigned char> = true;
template <> inline constexpr bool is_integral<short> = true;
template <> inline constexpr bool is_integral<unsigned short> = true;
template <> inline constexpr bool is_integral<int> = true;
template <> inline constexpr bool is_integral<unsigned int> = true;
template <> inline constexpr bool is_integral<long> = true;
template <> inline constexpr bool is_integral<unsigned long> = true;
template <> inline constexpr bool is_integral<long long> = true;
template <> inline constexpr bool is_integral<unsigned long long> = true;
} // namespace detail
template <typename T> inline constexpr bool is_integral_v = detail::is_integral<remove_cv_t<T>>;
template <typename T> inline constexpr bool is_unsigned_v = is_integral_v<T> && (T(0) < T(-1));

template <typename T> inline constexpr bool is_trivially_copyable_v = __is_trivially_copyable(T);
template <typename B, typename D> inline constexpr bool is_base_of_v = __is_base_of(B, D);

template <typename T> T &&declval() noexcept; // unevaluated contexts only

namespace detail {
template <typename To> void convert_to(To) noexcept;
template <typename From, typename To, typename = void> inline constexpr bool convertible = false;
template <typename From, typename To>
inline constexpr bool convertible<From, To, decltype(convert_to<To>(declval<From>()))> = true;
} // namespace detail
// True when a From expression converts implicitly to To (what copy-initialisation needs).
template <typename From, typename To>
inline constexpr bool is_convertible_v = detail::convertible<From, To>;

template <typename T> constexpr remove_reference_t<T> &&move(T &&t) noexcept {
	return static_cast<remove_reference_t<T> &&>(t);
}

template <typename T> constexpr T &&forward(remove_reference_t<T> &t) noexcept {
	return static_cast<T &&>(t);
}
template <typename T> constexpr T &&forward(remove_reference_t<T> &&t) noexcept {
	static_assert(!is_reference_v<T> || is_reference_v<T &&>, "forwarding an rvalue as lvalue");
	return static_cast<T &&>(t);
}

template <typename T> constexpr void swap(T &a, T &b) noexcept {
	T tmp(lio::move(a));
	a = lio::move(b);
	b = lio::move(tmp);
}

template <typename T, typename U = T> constexpr T exchange(T &obj, U &&value) noexcept {
	T old(lio::move(obj));
	obj = lio::forward<U>(value);
	return old;
}

template <typename T> constexpr const T &min(const T &a, const T &b) { return b < a ? b : a; }
template <typename T> constexpr const T &max(const T &a, const T &b) { return a < b ? b : a; }

// The largest value of an unsigned integer type.
template <typename T> constexpr T max_value() {
	static_assert(is_unsigned_v<T>, "max_value<T>: unsigned integers only");
	return static_cast<T>(~static_cast<T>(0));
}

template <typename T, usize N> constexpr usize array_size(T (&)[N]) { return N; }

} // namespace lio

#endif // LIO_UTILITY_H
