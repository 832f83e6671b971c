#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw iSCSI PDUs against a target (python3 stdlib only): a well-formed login + INQUIRY as a
baseline, then malformed or unusual PDUs, one case per run, each on its own TCP connection.

Usage: iscsi_raw.py [--host H] [--port P] [--initiator IQN] TARGET_IQN CASE [CASE...]
       iscsi_raw.py --list
Prints "PASS: case: what" / "FAIL: case: what" lines (tests/guest/lib.sh record_results reads
them) and indented details (what the target answered). Exit 0 unless a case crashed here.

Expected answers follow RFC 7143 (iSCSI, consolidated); the comment of each case quotes the
rule. Where the RFC leaves the target a choice, or stock LIO answers differently, the check
accepts the RFC answer OR the connection being dropped (closed or reset), and says so. What
is never accepted: no answer at all while the connection stays open (a hang), a wrong answer,
or a non-login PDU being served before login.

PDU layout (RFC 7143 section 11): a 48-byte Basic Header Segment (BHS), TotalAHSLength (byte 4,
in 4-byte words) of Additional Header Segments, DataSegmentLength (bytes 5-7) bytes of data
padded to a multiple of 4; no digests are negotiated here.
"""

import argparse
import socket
import struct
import sys
import time

OP_NOP_OUT, OP_SCSI_CMD, OP_TMF, OP_LOGIN, OP_TEXT, OP_DATA_OUT, OP_LOGOUT = 0, 1, 2, 3, 4, 5, 6
OP_NOP_IN, OP_SCSI_RSP, OP_LOGIN_RSP, OP_DATA_IN, OP_LOGOUT_RSP, OP_R2T, OP_REJECT = (
    0x20, 0x21, 0x23, 0x25, 0x26, 0x31, 0x3F)
OPNAMES = {0x20: "NOP-In", 0x21: "SCSI Response", 0x22: "TMF Response", 0x23: "Login Response",
           0x24: "Text Response", 0x25: "Data-In", 0x26: "Logout Response", 0x31: "R2T",
           0x32: "Async Message", 0x3F: "Reject"}
IMMEDIATE = 0x40
TIMEOUT = 10.0  # seconds to wait for an answer before calling it a hang

DEFAULT_OP_KEYS = [
    ("HeaderDigest", "None"), ("DataDigest", "None"),
    ("MaxRecvDataSegmentLength", "65536"), ("InitialR2T", "Yes"), ("ImmediateData", "Yes"),
    ("MaxBurstLength", "262144"), ("FirstBurstLength", "65536"), ("DefaultTime2Wait", "2"),
    ("DefaultTime2Retain", "0"), ("MaxOutstandingR2T", "1"), ("DataPDUInOrder", "Yes"),
    ("DataSequenceInOrder", "Yes"), ("ErrorRecoveryLevel", "0"), ("MaxConnections", "1"),
]

RESULTS = []


def result(ok, name, *details):
    print(("PASS: " if ok else "FAIL: ") + name)
    for d in details:
        for line in str(d).splitlines():
            print("    " + line)
    RESULTS.append(ok)
    return ok


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def keys_bytes(pairs):
    return b"".join(k.encode() + b"=" + v.encode() + b"\0" for k, v in pairs)


def parse_keys(data):
    out = {}
    for item in data.split(b"\0"):
        if item:
            k, _, v = item.decode(errors="replace").partition("=")
            out[k] = v
    return out


def bhs(opcode, flags=0, b2=0, b3=0, ahs_words=0, dsl=0, lun_or_isid=b"\0" * 8, itt=0,
        rest=b""):
    """The 48-byte BHS: byte 0 opcode (with the I bit), 1 flags, 2-3 opcode-specific, 4
    TotalAHSLength, 5-7 DataSegmentLength, 8-15 LUN or ISID+TSIH, 16-19 ITT, 20-47 rest."""
    h = struct.pack(">BBBBB", opcode, flags, b2, b3, ahs_words) + dsl.to_bytes(3, "big")
    h += lun_or_isid + struct.pack(">I", itt) + rest
    assert len(h) <= 48
    return h + b"\0" * (48 - len(h))


class Pdu:
    def __init__(self, hdr, ahs, data):
        self.hdr, self.ahs, self.data = hdr, ahs, data
        self.opcode = hdr[0] & 0x3F
        self.flags = hdr[1]
        self.dsl = int.from_bytes(hdr[5:8], "big")
        self.itt = struct.unpack(">I", hdr[16:20])[0]

    def u32(self, off):
        return struct.unpack(">I", self.hdr[off:off + 4])[0]

    def describe(self):
        name = OPNAMES.get(self.opcode, "opcode 0x%02x" % self.opcode)
        s = "%s (opcode 0x%02x, flags 0x%02x, DataSegmentLength %d, ITT 0x%08x)" % (
            name, self.opcode, self.flags, self.dsl, self.itt)
        if self.opcode == OP_LOGIN_RSP:
            s += ", status class 0x%02x detail 0x%02x, TSIH 0x%04x" % (
                self.hdr[36], self.hdr[37], struct.unpack(">H", self.hdr[14:16])[0])
            if self.data:
                s += ", keys %s" % parse_keys(self.data)
        elif self.opcode == OP_REJECT:
            s += ", reason 0x%02x" % self.hdr[2]
        elif self.opcode == OP_SCSI_RSP:
            s += ", response 0x%02x status 0x%02x" % (self.hdr[2], self.hdr[3])
        return s


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.settimeout(TIMEOUT)
        self.cmdsn = 1
        self.expstatsn = 0
        self.itt = 0x100

    def next_itt(self):
        self.itt += 1
        return self.itt

    def send(self, b):
        self.sock.sendall(b)

    def send_pdu(self, hdr, data=b"", ahs=b""):
        self.send(hdr + ahs + pad4(data))

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv_pdu(self, timeout=TIMEOUT):
        """A Pdu; "closed" when the target closed or reset the connection; "timeout" when
        nothing came within timeout seconds."""
        self.sock.settimeout(timeout)
        try:
            hdr = self.recv_exact(48)
            if hdr is None:
                return "closed"
            ahs_len = hdr[4] * 4
            dsl = int.from_bytes(hdr[5:8], "big")
            ahs = self.recv_exact(ahs_len) if ahs_len else b""
            data = self.recv_exact(dsl + (-dsl % 4)) if dsl else b""
            if ahs is None or data is None:
                return "closed"
        except socket.timeout:
            return "timeout"
        except (ConnectionResetError, BrokenPipeError):
            return "closed"
        p = Pdu(hdr, ahs, data[:dsl])
        if p.opcode in (OP_NOP_IN, OP_SCSI_RSP, OP_LOGIN_RSP, OP_LOGOUT_RSP, OP_REJECT,
                        OP_DATA_IN, 0x22, 0x24, 0x32):
            statsn = p.u32(24)
            if p.opcode != OP_DATA_IN or (p.flags & 0x01):
                self.expstatsn = (statsn + 1) & 0xFFFFFFFF
        return p

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- login ----
    def login_pdu(self, csg, nsg, transit, keys, isid=b"\x80\x12\x34\x56\x00\x01", tsih=0,
                  itt=1, cid=0, dsl=None):
        flags = (0x80 if transit else 0) | (csg << 2) | nsg
        data = keys if isinstance(keys, bytes) else keys_bytes(keys)
        rest = struct.pack(">HHII", cid, 0, self.cmdsn, self.expstatsn)
        h = bhs(IMMEDIATE | OP_LOGIN, flags, 0, 0, 0, len(data) if dsl is None else dsl,
                isid + struct.pack(">H", tsih), itt, rest)
        return h, data

    def login(self, initiator, target, op_keys=None):
        """A normal session login: security stage (AuthMethod=None) then operational stage
        to full feature phase. Returns (ok, last answer, log lines)."""
        log = []
        h, d = self.login_pdu(0, 1, True, [("InitiatorName", initiator), ("SessionType", "Normal"),
                                          ("TargetName", target), ("AuthMethod", "None")])
        self.send_pdu(h, d)
        r = self.recv_pdu()
        if not isinstance(r, Pdu):
            return False, r, log
        log.append("security stage: " + r.describe())
        if r.opcode != OP_LOGIN_RSP or r.hdr[36] != 0:
            return False, r, log
        keys = op_keys if op_keys is not None else DEFAULT_OP_KEYS
        for _ in range(4):
            if (r.flags & 0x80) and (r.flags & 0x03) == 3:
                break  # the target went to full feature phase already
            csg = 1
            h, d = self.login_pdu(csg, 3, True, keys)
            keys = []
            self.send_pdu(h, d)
            r = self.recv_pdu()
            if not isinstance(r, Pdu):
                return False, r, log
            log.append("operational stage: " + r.describe())
            if r.opcode != OP_LOGIN_RSP or r.hdr[36] != 0:
                return False, r, log
            if (r.flags & 0x80) and (r.flags & 0x03) == 3:
                break
        ok = isinstance(r, Pdu) and (r.flags & 0x80) and (r.flags & 0x03) == 3
        if ok:
            self.cmdsn = r.u32(28)  # ExpCmdSN: the first command's CmdSN
        return bool(ok), r, log

    # ---- full feature phase ----
    def scsi_cmd(self, cdb, edtl, read=True, ahs=b"", ahs_words=None, lun=0, itt=None):
        itt = self.next_itt() if itt is None else itt
        flags = 0x80 | (0x40 if read else 0) | 0x01  # F, R, SIMPLE
        rest = struct.pack(">III", edtl, self.cmdsn, self.expstatsn) + cdb.ljust(16, b"\0")
        h = bhs(OP_SCSI_CMD, flags, 0, 0, len(ahs) // 4 if ahs_words is None else ahs_words, 0,
                struct.pack(">Q", lun << 48), itt, rest)
        self.cmdsn += 1
        self.send(h + ahs)
        return itt

    def nop_out(self, data=b"", itt=None):
        itt = self.next_itt() if itt is None else itt
        rest = struct.pack(">III", 0xFFFFFFFF, self.cmdsn, self.expstatsn)
        h = bhs(IMMEDIATE | OP_NOP_OUT, 0x80, 0, 0, 0, len(data), b"\0" * 8, itt, rest)
        self.send_pdu(h, data)
        return itt

    def logout(self):
        itt = self.next_itt()
        rest = struct.pack(">HHII", 0, 0, self.cmdsn, self.expstatsn)
        h = bhs(IMMEDIATE | OP_LOGOUT, 0x80 | 0, 0, 0, 0, 0, b"\0" * 8, itt, rest)
        self.send_pdu(h)
        return self.recv_pdu()


def is_closed(r):
    return r == "closed"


def descr(r):
    return r.describe() if isinstance(r, Pdu) else r


def wait_closed(c, timeout=TIMEOUT):
    """Read until the target closes the connection (ignoring PDUs); "closed" or "timeout"."""
    end = time.time() + timeout
    while time.time() < end:
        r = c.recv_pdu(max(0.1, end - time.time()))
        if r in ("closed", "timeout"):
            return r
    return "timeout"


def login_answer(c, h, d, extra=b""):
    """Sends one login PDU (+ extra raw bytes), returns the target's answer."""
    try:
        c.send(h + pad4(d) + extra)
    except (BrokenPipeError, ConnectionResetError):
        return "closed"
    return c.recv_pdu()


def expect_login_reject(name, r, classes_details, rule):
    """A Login Response with one of the (class, detail) pairs (detail None: any), or a
    dropped connection."""
    if is_closed(r):
        return result(True, name, "answer: connection closed/reset (accepted: " + rule + ")")
    if isinstance(r, Pdu) and r.opcode == OP_LOGIN_RSP:
        for cl, de in classes_details:
            if r.hdr[36] == cl and (de is None or r.hdr[37] == de):
                return result(True, name, "answer: " + r.describe())
    return result(False, name, "expected: " + rule, "answer: " + descr(r))


class Case:
    def __init__(self, a):
        self.a = a

    def connect(self):
        return Conn(self.a.host, self.a.port)

    def ffp(self, name):
        """A logged-in connection, or None after a FAIL line."""
        c = self.connect()
        ok, r, log = c.login(self.a.initiator, self.a.target)
        if not ok:
            result(False, name + ": login to full feature phase", *log, "answer: " + descr(r))
            c.close()
            return None
        return c

    def ping_after(self, c, name):
        """The connection still works (NOP-Out ping answered by a NOP-In) or was dropped;
        a connection that stays open and answers nothing is a hang."""
        try:
            itt = c.nop_out(b"")
        except (BrokenPipeError, ConnectionResetError):
            return result(True, name + ": afterwards the connection is dropped or answers a ping",
                          "answer: connection closed/reset")
        while True:
            r = c.recv_pdu()
            if isinstance(r, Pdu) and r.opcode != OP_NOP_IN:
                print("    (also got: %s)" % r.describe())
                continue
            break
        ok = is_closed(r) or (isinstance(r, Pdu) and r.itt == itt)
        return result(ok, name + ": afterwards the connection is dropped or answers a ping",
                      "answer: " + descr(r))

    def finish(self, c):
        try:
            r = c.logout()
            if isinstance(r, Pdu) and r.opcode == OP_LOGOUT_RSP:
                wait_closed(c, 5)
        except OSError:
            pass
        c.close()

    # ------------------------------------------------------------------ cases
    def case_baseline(self):
        """A well-formed login, INQUIRY, logout (so that the negative cases mean something)."""
        c = self.connect()
        ok, r, log = c.login(self.a.initiator, self.a.target)
        result(ok, "baseline: login reaches full feature phase (T=1, NSG=3, class 0)", *log,
               "answer: " + descr(r))
        if not ok:
            return
        tsih = struct.unpack(">H", r.hdr[14:16])[0]
        result(tsih != 0, "baseline: the final login response carries a TSIH != 0",
               "TSIH 0x%04x" % tsih)
        itt = c.scsi_cmd(bytes([0x12, 0, 0, 0, 96, 0]), 96)
        data = b""
        status = None
        while True:
            p = c.recv_pdu()
            if not isinstance(p, Pdu):
                break
            if p.opcode == OP_DATA_IN and p.itt == itt:
                data += p.data
                if p.flags & 0x01:
                    status = p.hdr[3]
                    break
            elif p.opcode == OP_SCSI_RSP and p.itt == itt:
                status = p.hdr[3]
                break
        result(status == 0 and data[8:16] == b"LIO-ORG ",
               "baseline: INQUIRY answers GOOD with vendor LIO-ORG",
               "status %s, data %r" % (status, data[:36]))
        r = c.logout()
        result(isinstance(r, Pdu) and r.opcode == OP_LOGOUT_RSP and r.hdr[2] == 0,
               "baseline: logout answered with response 0 (closed successfully)",
               "answer: " + descr(r))
        result(wait_closed(c, 5) == "closed", "baseline: the target closes the connection after logout")
        c.close()

    def case_truncated_bhs(self):
        """20 bytes of a login BHS, then the initiator closes its side. RFC 7143 has no answer
        to half a PDU: the target can only notice the end of the stream and close (and must
        not wait for the rest forever nor crash)."""
        c = self.connect()
        h, d = c.login_pdu(0, 1, True, [("InitiatorName", self.a.initiator)])
        c.send(h[:20])
        c.sock.shutdown(socket.SHUT_WR)
        r = wait_closed(c)
        result(r == "closed", "truncated_bhs: the target closes the connection", "answer: " + r)
        c.close()

    def case_login_dsl_too_big(self):
        """A login request whose DataSegmentLength (16384) exceeds the MaxRecvDataSegmentLength
        in force during login (RFC 7143 13.12: the default 8192 until negotiated). Sending more
        is a protocol error: Login Response class 2 (initiator error), detail 0x00, or the
        connection dropped."""
        c = self.connect()
        keys = keys_bytes([("InitiatorName", self.a.initiator), ("SessionType", "Normal"),
                           ("TargetName", self.a.target), ("AuthMethod", "None")])
        data = keys + b"\0" * (16384 - len(keys))
        h, d = c.login_pdu(0, 1, True, data)
        r = login_answer(c, h, d)
        expect_login_reject("login_dsl_too_big: DataSegmentLength 16384 > 8192 refused", r,
                            [(2, 0)], "Login Response class 2 detail 0x00, or drop")
        c.close()

    def case_first_pdu_scsi(self):
        """A SCSI Command (opcode 0x01) as the first PDU. RFC 7143 6.3: the login phase is the
        first thing on a connection; a target receiving anything else must not execute it.
        Accepted: a Login Response class 2 (initiator error), a Reject, or the connection
        dropped. Never a SCSI Response or Data-In."""
        c = self.connect()
        c.scsi_cmd(bytes([0x12, 0, 0, 0, 96, 0]), 96)
        r = c.recv_pdu()
        ok = is_closed(r) or (isinstance(r, Pdu) and (
            (r.opcode == OP_LOGIN_RSP and r.hdr[36] == 2) or r.opcode == OP_REJECT))
        result(ok, "first_pdu_scsi: a SCSI command before login is not served",
               "answer: " + descr(r))
        if isinstance(r, Pdu):
            r2 = wait_closed(c)
            result(r2 == "closed", "first_pdu_scsi: the target then closes the connection",
                   "answer: " + r2)
        c.close()

    def case_tsih_unknown(self):
        """A leading login with TSIH 0x4242 that names no existing session. RFC 7143 11.13.5:
        status 0x020a "Session does not exist" (class 2, detail 0x0a)."""
        c = self.connect()
        h, d = c.login_pdu(0, 1, True, [("InitiatorName", self.a.initiator),
                                         ("SessionType", "Normal"), ("TargetName", self.a.target),
                                         ("AuthMethod", "None")], tsih=0x4242,
                           isid=b"\x80\x12\x34\x56\x77\x01")
        r = login_answer(c, h, d)
        expect_login_reject("tsih_unknown: login with an unknown TSIH refused", r, [(2, 0x0A)],
                            "Login Response 0x020a Session does not exist")
        c.close()

    def _bad_keys(self, name, extra, rule, accept=((2, None),)):
        c = self.connect()
        kv = keys_bytes([("InitiatorName", self.a.initiator), ("SessionType", "Normal"),
                         ("TargetName", self.a.target), ("AuthMethod", "None")]) + extra
        h, d = c.login_pdu(0, 1, True, kv)
        r = login_answer(c, h, d)
        ok = expect_login_reject(name, r, list(accept), rule)
        c.close()
        return ok

    def case_key_no_equals(self):
        """A text key without '=' (RFC 7143 6.1: key=value pairs, each followed by a null).
        A syntax error in the login text is an initiator error: class 2, or a drop."""
        self._bad_keys("key_no_equals: a key without '=' refused", b"NoEqualsSignHere\0",
                       "Login Response class 2 (initiator error), or drop")

    def case_key_too_long(self):
        """A key name of 70 characters (RFC 7143 6.1: key names are at most 63 bytes).
        An over-long key is malformed text: class 2 or a drop. (An acceptor that treated it as
        an unknown key would answer key=NotUnderstood, 6.2; the long name makes it malformed.)
        STOCK LIO FAILS THIS (6.1): it logs 'Length of key name ... exceeds 64' and then answers
        the key cut to 63 characters "=NotUnderstood" with class 0, i.e. it echoes a key the
        initiator never sent and goes on with the login."""
        self._bad_keys("key_too_long: a 70-character key name refused",
                       b"X-" + b"k" * 68 + b"=v\0",
                       "Login Response class 2 (initiator error), or drop")

    def case_value_too_long(self):
        """InitiatorAlias with a 300-byte value (RFC 7143 6.1: a value is at most 255 bytes
        unless its key says otherwise; InitiatorAlias is a text value of at most 255 bytes).
        Class 2 or a drop."""
        self._bad_keys("value_too_long: a 300-byte value refused",
                       b"InitiatorAlias=" + b"v" * 300 + b"\0",
                       "Login Response class 2 (initiator error), or drop")

    def case_duplicate_keys(self):
        """The same key twice in one login request (RFC 7143 6.2: "...must not ... propose or
        declare a key more than once ... if detected by the target, this MUST result in a Login
        reject (initiator error)"): class 2, or a drop. Done in the operational stage (after a
        normal security stage), with MaxBurstLength given twice.
        STOCK LIO FAILS THIS (6.1): it answers "MaxBurstLength=NotUnderstood" for the second
        one and completes the login (class 0, a TSIH, full feature phase)."""
        name = "duplicate_keys: a key given twice refused"
        c = self.connect()
        h, d = c.login_pdu(0, 1, True, [("InitiatorName", self.a.initiator),
                                         ("SessionType", "Normal"), ("TargetName", self.a.target),
                                         ("AuthMethod", "None")])
        r = login_answer(c, h, d)
        if not (isinstance(r, Pdu) and r.opcode == OP_LOGIN_RSP and r.hdr[36] == 0):
            result(False, name + " (security stage)", "answer: " + descr(r))
            c.close()
            return
        h, d = c.login_pdu(1, 3, True, DEFAULT_OP_KEYS + [("MaxBurstLength", "262144")])
        r = login_answer(c, h, d)
        expect_login_reject(name, r, [(2, None)],
                            "Login Response class 2 (initiator error), or drop")
        c.close()

    def case_reserved_opcode(self):
        """A PDU with reserved opcode 0x15 in full feature phase. RFC 7143 11.17.1: a Reject PDU
        (opcode 0x3f) carrying the offending header, reason 0x04 (Protocol Error) or 0x05
        (Command not supported); dropping the connection is also allowed (stock LIO does, at
        ErrorRecoveryLevel 0)."""
        c = self.ffp("reserved_opcode")
        if not c:
            return
        h = bhs(0x15, 0x80, 0, 0, 0, 0, b"\0" * 8, 0x777,
                struct.pack(">III", 0xFFFFFFFF, c.cmdsn, c.expstatsn))
        c.send(h)
        r = c.recv_pdu()
        ok = is_closed(r) or (isinstance(r, Pdu) and r.opcode == OP_REJECT and
                              r.hdr[2] in (0x04, 0x05) and r.data[:48] == h)
        result(ok, "reserved_opcode: Reject (0x04/0x05, offending header returned) or drop",
               "answer: " + descr(r))
        if isinstance(r, Pdu):
            self.ping_after(c, "reserved_opcode")
            self.finish(c)
        c.close()

    def case_bad_ahs(self):
        """A SCSI Command (TEST UNIT READY) whose TotalAHSLength says 2 words but whose AHS
        claims AHSLength 200 (type 1, extended CDB): inconsistent field contents, a format
        error (RFC 7143 7.8: the receiver MUST terminate the connection(s)); a Reject with
        reason 0x04 (Protocol Error) or 0x09 (Invalid PDU field) is accepted too. Never a
        GOOD status for the command.
        STOCK LIO FAILS THIS (6.1): it reads the 8 AHS bytes, ignores their contents and
        executes the command (SCSI Response, GOOD); the connection keeps working."""
        c = self.ffp("bad_ahs")
        if not c:
            return
        ahs = struct.pack(">HBB", 200, 1, 0) + b"\0" * 4
        c.scsi_cmd(bytes(6), 0, read=False, ahs=ahs)
        r = c.recv_pdu()
        ok = is_closed(r) or (isinstance(r, Pdu) and r.opcode == OP_REJECT and
                              r.hdr[2] in (0x04, 0x09))
        if isinstance(r, Pdu) and r.opcode == OP_SCSI_RSP and r.hdr[3] != 0:
            ok = True  # refused as a command (CHECK CONDITION): not served, tolerated
        result(ok, "bad_ahs: refused (drop, Reject 0x04/0x09, or a non-GOOD status)",
               "answer: " + descr(r))
        if isinstance(r, Pdu):
            self.ping_after(c, "bad_ahs")
            self.finish(c)
        c.close()

    def case_dataout_unknown_itt(self):
        """A Data-Out (opcode 0x05, final) for an ITT that names no command. RFC 7143 11.7 and
        7.? leave it to the target: a Reject with reason 0x09 (Invalid PDU field) or 0x04, or
        discarding the data silently (stock LIO dumps the payload); the connection must keep
        working (a ping after it is answered) or be dropped."""
        c = self.ffp("dataout_unknown_itt")
        if not c:
            return
        data = b"\xa5" * 512
        rest = struct.pack(">IIIIII", 0xFFFFFFFF, 0, c.expstatsn, 0, 0, 0)
        h = bhs(OP_DATA_OUT, 0x80, 0, 0, 0, len(data), b"\0" * 8, 0xDEAD0001, rest)
        c.send_pdu(h, data)
        r = c.recv_pdu(2.0)
        if r == "timeout":
            print("    no answer within 2 s (payload discarded silently)")
            ok = True
        else:
            ok = is_closed(r) or (isinstance(r, Pdu) and r.opcode == OP_REJECT and
                                  r.hdr[2] in (0x04, 0x09))
        result(ok, "dataout_unknown_itt: ignored, Reject 0x09/0x04, or drop", "answer: " + descr(r))
        if not is_closed(r):
            self.ping_after(c, "dataout_unknown_itt")
            self.finish(c)
        c.close()

    def case_nop_with_data(self):
        """A NOP-Out ping (ITT != 0xffffffff, TTT 0xffffffff, immediate) with 100 bytes of data:
        RFC 7143 11.18/11.19: a NOP-In with the same ITT, TTT 0xffffffff and the same data."""
        c = self.ffp("nop_with_data")
        if not c:
            return
        data = bytes((i * 7 + 3) & 0xFF for i in range(100))
        itt = c.nop_out(data, itt=0x4E4F5031)
        r = c.recv_pdu()
        ok = isinstance(r, Pdu) and r.opcode == OP_NOP_IN and r.itt == itt
        result(ok, "nop_with_data: answered by a NOP-In with the same ITT", "answer: " + descr(r))
        if ok:
            result(r.u32(20) == 0xFFFFFFFF, "nop_with_data: the NOP-In's TTT is 0xffffffff",
                   "TTT 0x%08x" % r.u32(20))
            result(r.data == data, "nop_with_data: the NOP-In echoes the 100 data bytes",
                   "got %d bytes: %r" % (len(r.data), r.data[:32]))
        self.finish(c)
        c.close()


CASES = ["baseline", "truncated_bhs", "login_dsl_too_big", "first_pdu_scsi", "tsih_unknown",
         "key_no_equals", "key_too_long", "value_too_long", "duplicate_keys", "reserved_opcode",
         "bad_ahs", "dataout_unknown_itt", "nop_with_data"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3260)
    ap.add_argument("--initiator", default="iqn.2024-01.org.lio-cxx:raw")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("target", nargs="?")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        print("\n".join(CASES))
        return 0
    if not a.target or not a.cases:
        ap.error("TARGET_IQN and at least one CASE needed")
    cs = Case(a)
    for name in a.cases:
        if name not in CASES:
            ap.error("unknown case " + name)
        try:
            getattr(cs, "case_" + name)()
        except (OSError, socket.error) as e:
            result(False, name + ": ran without a local error", "%s: %s" % (type(e).__name__, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
