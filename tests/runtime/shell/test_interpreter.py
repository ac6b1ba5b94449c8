"""The simulated shell, construct by construct and command by command: what it prints,
its exit code and how much simulated time it takes (through ``run_command`` and ``Run``,
the entry points the kubelet and ``kubectl exec`` use)."""
from __future__ import annotations

import pytest

from kubeviz.runtime.shell import Context, Fs, Run, Session, run_command
from kubeviz.runtime.shell.commands import pi_digits


def sh(script: str, stdin: str = "", files: dict[str, str] | None = None) -> tuple[str, str, int]:
    ctx = Context(fs=Fs(files or {"/etc/hostname": "web-0\n"}), env={"GREETING": "hello"}, hostname="web-0")
    return run_command(ctx, ["sh", "-c", script], stdin)


@pytest.mark.parametrize("script,out,code", [
    # lists, and/or, negation
    ("echo a; echo b", "a\nb\n", 0),
    ("true && echo yes", "yes\n", 0),
    ("false && echo yes", "", 1),
    ("false || echo fallback", "fallback\n", 0),
    ("! false && echo negated", "negated\n", 0),
    ("echo one\necho two", "one\ntwo\n", 0),
    # variables, parameters, quoting
    ('X=1; Y="a b"; echo "$X-$Y" \'$X\'', "1-a b $X\n", 0),
    ("echo ${UNSET:-dflt} ${GREETING:+set} ${#GREETING}", "dflt set 5\n", 0),
    ("echo $GREETING world", "hello world\n", 0),
    ('A="x   y"; for w in $A; do echo "[$w]"; done', "[x]\n[y]\n", 0),
    ("echo \\$HOME", "$HOME\n", 0),
    ("false; echo $?", "1\n", 0),
    # command substitution and arithmetic
    ("echo $(echo inner) `echo back`", "inner back\n", 0),
    ("N=$((2 * (3 + 4))); echo $N $((N % 5))", "14 4\n", 0),
    ('echo "host: $(hostname)"', "host: web-0\n", 0),
    # loops and conditionals
    ("for i in 1 2 3; do echo $i; done", "1\n2\n3\n", 0),
    ("i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done", "1\n2\n3\n", 0),
    ("i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i", "2\n", 0),
    ("for i in 1 2 3 4; do if [ $i -eq 3 ]; then break; fi; echo $i; done", "1\n2\n", 0),
    ("for i in 1 2 3; do [ $i -eq 2 ] && continue; echo $i; done", "1\n3\n", 0),
    ("if [ -f /nope ]; then echo a; elif [ -n x ]; then echo b; else echo c; fi", "b\n", 0),
    ("{ echo grouped; echo twice; } | wc -l", "2\n", 0),
    ("(X=inner; echo $X); echo ${X:-outer}", "inner\nouter\n", 0),
    # pipes and redirection
    ("printf 'b\\na\\nb\\n' | sort | head -n 1", "a\n", 0),
    ("echo hi > /tmp/f; echo there >> /tmp/f; cat /tmp/f", "hi\nthere\n", 0),
    ("cat < /etc/hostname", "web-0\n", 0),
    ("cat /nope 2>&1 | grep -c open", "1\n", 0),
    ("cat /nope 2>/dev/null; echo $?", "1\n", 0),
    ("echo err 1>&2", "", 0),
    # commands
    ("echo -n a; echo -e 'b\\tc'", "ab\tc\n", 0),
    ("printf '%s=%d\\n' a 1 b 2", "a=1\nb=2\n", 0),
    ("env | grep GREETING", "GREETING=hello\n", 0),
    ("export NEW=1; printenv NEW", "1\n", 0),
    ("mkdir -p /a/b && touch /a/b/c && ls /a/b", "c\n", 0),
    ("touch /tmp/x && rm /tmp/x && ls /tmp", "", 0),
    ("printf '1\\n2\\n3\\n' | tail -n 2", "2\n3\n", 0),
    ("printf 'one two\\nthree\\n' | wc -w", "3\n", 0),
    ("printf 'Apple\\nbanana\\n' | grep -i apple", "Apple\n", 0),
    ("echo abc | grep -v abc", "", 1),
    ("seq 3 | tail -1", "3\n", 0),
    ("test 2 -gt 1 && [ abc = abc ] && echo ok", "ok\n", 0),
    ("cp /etc/hostname /tmp/h && cat /tmp/h", "web-0\n", 0),
    ("whoami; id -u; echo $HOME", "root\n0\n/root\n", 0),
    ("cd /etc && pwd && cat hostname", "/etc\nweb-0\n", 0),
    ("echo x | tee /tmp/t >/dev/null; cat /tmp/t", "x\n", 0),
    ("read A B; echo $B $A", "2 1\n", 0),
    ('perl -e \'print "hi\\n"\'', "hi\n", 0),
    ("python3 -c 'print(\"py\")'", "py\n", 0),
    ("date +%Y", "2026\n", 0),
    # exit codes
    ("exit 3", "", 3),
    ("exit 300", "", 44),
    ("echo before; exit 0; echo after", "before\n", 0),
    ("false", "", 1),
    ("sh -c 'exit 7'; echo $?", "7\n", 0),
])
def test_constructs_and_commands(script, out, code):
    stdin = "1 2\n" if script.startswith("read") else ""
    got_out, _, got_code = sh(script, stdin)
    assert (got_out, got_code) == (out, code)


@pytest.mark.parametrize("script,err,code", [
    ("foo", "sh: foo: not found\n", 127),
    ("/usr/local/bin/app --flag", "sh: /usr/local/bin/app: not found\n", 127),
    ("cat /tmp/healthy", "cat: can't open '/tmp/healthy': No such file or directory\n", 1),
    ("rm /nope", "rm: can't remove '/nope': No such file or directory\n", 1),
    ("ls /nope", "ls: /nope: No such file or directory\n", 1),
    ("while true; do", 'sh: syntax error: unexpected end of file (expecting "done")\n', 2),
    ("echo 'open", "sh: unterminated quoted string\n", 2),
    ("sleep abc", "sleep: invalid number 'abc'\n", 1),
    ("cd /nope", "sh: cd: can't cd to /nope: No such file or directory\n", 2),
    ("nslookup nothing.here >/dev/null", "", 1),
    ("wget -qO- http://nothing.here/", "wget: bad address 'nothing.here'\n", 1),
    ("curl nothing.here", "curl: (6) Could not resolve host: nothing.here\n", 6),
    ("curl -s nothing.here", "", 6),
    ("nc -z localhost 80", "nc: can't connect to remote host (127.0.0.1): Connection refused\n", 1),
    ("mkdir /x/y", "mkdir: can't create directory '/x/y': No such file or directory\n", 1),
])
def test_errors_read_as_busybox_writes_them(script, err, code):
    _, got_err, got_code = sh(script)
    assert (got_err, got_code) == (err, code)


def test_a_configmap_mount_is_read_only():
    ctx = Context(fs=Fs({"/config/a": "1"}, readonly=("/config",)))
    assert run_command(ctx, ["sh", "-c", "echo x > /config/a"]) == ("", "sh: can't create /config/a: Read-only file system\n", 1)


def test_perl_computes_pi_as_the_job_example_does():
    out, _, code = run_command(Context(), ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"])
    assert code == 0 and out.startswith("3.14159265358979323846264338327950288") and len(out.strip()) == 2001
    assert pi_digits(10) == "3.141592653"


@pytest.mark.parametrize("argv,lines,ending", [
    # (offset, text) of what it prints, then (offset, exit code) or None for "runs until stopped"
    (["sh", "-c", "echo start; sleep 2; echo done"], [(0.0, "start"), (2.0, "done")], (2.0, 0)),
    (["sh", "-c", "sleep 1.5; exit 4"], [], (1.5, 4)),
    (["sh", "-c", "sleep 1m; echo late"], [(60.0, "late")], (60.0, 0)),
    (["sh", "-c", "echo up; sleep infinity"], [(0.0, "up")], None),
    (["sh", "-c", "echo up; tail -f /dev/null"], [(0.0, "up")], None),
    (["nginx", "-g", "daemon off;"], [], None),
])
def test_time_passes_on_the_simulated_clock(argv, lines, ending):
    run = Run(Context(), argv)
    run.advance(1000)
    assert [(line.offset, line.text) for line in run.lines] == lines
    assert run.ending() == ending


def test_a_forever_loop_is_worked_out_only_as_far_as_asked():
    run = Run(Context(), ["sh", "-c", 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done'])
    run.advance(4.5)
    assert [(line.offset, line.text) for line in run.lines] == [(float(i), f"tick {i}") for i in range(5)]
    run.advance(3600)
    assert len(run.lines) == 3601 and run.exit is None


def test_a_loop_without_sleep_still_lets_time_pass():
    run = Run(Context(), ["sh", "-c", "while true; do echo spin; done"])
    run.advance(3)
    assert run.lines[-1].offset >= 2 and len(run.lines) < 50_000


def test_looking_for_a_loops_end_again_goes_no_further_while_it_is_well_ahead_of_now():
    run = Run(Context(), ["sh", "-c", "while sleep 0.01; do echo -n OK!; done"])
    assert run.ending(0.0) is None
    ahead = run.shell.clock
    assert ahead > 30  # the first look goes FATE_STEPS steps ahead
    assert run.ending(ahead - 60) is None and run.shell.clock == ahead
    assert run.ending(ahead - 10) is None and ahead < run.shell.clock <= ahead + 20.01  # only 30 s past it
    assert run.look_again_at() == run.shell.clock - 30


def test_output_without_newlines_is_cut_into_16_kib_lines():
    run = Run(Context(), ["sh", "-c", "while sleep 0.01; do echo -n OK!; done"])
    run.advance(60)
    assert run.lines and {len(line.text) for line in run.lines} == {16 * 1024}
    assert "".join(line.text for line in run.lines).startswith("OK!OK!")


def test_the_filesystem_journal_says_what_was_on_disk_when():
    run = Run(Context(), ["sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"])
    assert run.ending() == (630.0, 0)
    assert run.journal == [(0.0, "/tmp/healthy", ""), (30.0, "/tmp/healthy", None)]


def test_an_interactive_session_keeps_its_state_between_lines():
    session = Session(Context(env={"APP": "web"}))
    assert session.feed("X=42; cd /tmp") == ("", "", 0)
    assert session.feed("echo $X $APP; pwd") == ("42 web\n/tmp\n", "", 0)
    assert session.feed("if then") == ("", 'sh: syntax error: unexpected "then"\n', 2)
    assert session.feed("exit 5") == ("", "", 5) and session.exited == 5


def test_tar_carries_files_out_and_in_as_kubectl_cp_does():
    source = Context(fs=Fs({"/data/a.txt": "alpha\n", "/data/sub/b.txt": "béta\n"}))
    archive, err, code = run_command(source, ["tar", "cf", "-", "/data"])
    assert (err, code) == ("tar: removing leading '/' from member names\n", 0)
    target = Context(fs=Fs({}))
    assert run_command(target, ["tar", "-xmf", "-", "-C", "/tmp"], archive) == ("", "", 0)
    assert target.fs.read("/tmp/data/a.txt") == "alpha\n"
    assert target.fs.read("/tmp/data/sub/b.txt") == "béta\n"


@pytest.mark.parametrize("argv,err,code", [
    (["tar", "cf", "-", "nope"], "tar: nope: No such file or directory\n", 1),
    (["tar", "xmf", "-", "-C", "/nope"], "tar: can't change directory to '/nope': No such file or directory\n", 1),
    (["tar", "czf", "/tmp/x.tgz", "/etc"], "tar: kubeviz's simulated tar reads and writes only - (stdin and stdout), uncompressed\n", 1),
    (["tar", "xf", "-"], "tar: invalid tar magic\n", 1),
])
def test_tar_refusals(argv, err, code):
    out, got, rc = run_command(Context(fs=Fs({})), argv, "not an archive" if "xf" in argv else "")
    assert (got, rc) == (err, code)


@pytest.mark.parametrize("stdin_open,ending", [(False, (0.0, 0)), (True, None)])
def test_a_bare_shell_waits_for_input_only_when_stdin_is_open(stdin_open, ending):
    assert Run(Context(fs=Fs({}), stdin_open=stdin_open), ["sh"]).ending() == ending
