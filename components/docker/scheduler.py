#!/usr/bin/env python3
"""Runs a job's command on a cron schedule, inside one long-running container.

The Docker target's counterpart of a Kubernetes CronJob with
concurrencyPolicy Forbid. Standard library only, so it runs in any image that
has python3.

  run    Fire the command on the schedule (UTC) until stopped.
  once   Run the command one time now, as a scheduled run would (for a manual
         retraining: `docker exec <container> python3 scheduler.py once`).
  check  Exit 0 while the scheduler's heartbeat is fresh (the healthcheck).
  next   Print the next times a schedule fires.

Semantics, matching the Kubernetes CronJob controller where Docker allows:
- Fire times are minutes in UTC. When both day of month and day of week are
  restricted, a day matching either fires (cron's rule).
- A run never starts while another is running (a lock file in the state
  directory, shared with `once`). Fire times that pass meanwhile are missed;
  only the latest missed one is started afterwards, and only if it is no
  later than --starting-deadline seconds.
- One run executes --completions copies of the command, at most
  --parallelism at once. A copy that fails is retried up to --backoff-limit
  times, with a pause that starts at --retry-delay seconds and doubles up to
  six minutes. The run fails when a copy runs out of retries or the run
  exceeds --deadline seconds (exit code 124).
- Each copy gets ML_PLATFORM_RUN_ID (the run it belongs to) and
  JOB_COMPLETION_INDEX (0 to completions - 1), as on Kubernetes.
- Each run's start, exit code and duration go to stdout, so `docker logs`
  shows them; each copy's output is relayed with a prefix and kept in
  <state-dir>/runs/<run>/, of which the newest --keep-succeeded successful
  and --keep-failed failed runs are kept.
"""

import argparse
import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

UTC = dt.timezone.utc
HEARTBEAT = "heartbeat"
LOCK = "run.lock"
CONFIG = "config.json"
RUNS = "runs"
TICK_SECONDS = 10
MAX_RETRY_DELAY = 360
DEADLINE_EXIT_CODE = 124
STOP_GRACE_SECONDS = 30

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def parse_value(text, low, high, names, offset):
    lowered = text.lower()
    if names and lowered in names:
        return names.index(lowered) + offset
    if not text.isdigit():
        raise ValueError(f'"{text}" is not a number or name')
    value = int(text)
    if value < low or value > high:
        raise ValueError(f"{value} is outside {low}-{high}")
    return value


def parse_field(text, low, high, names=None, offset=0):
    """The set of values a cron field allows."""
    values = set()
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step_text and (not step_text.isdigit() or step == 0):
            raise ValueError(f'step "{step_text}" must be a positive number')
        if range_text == "*":
            first, last = low, high
        elif "-" in range_text:
            start, end = range_text.split("-", 1)
            first, last = parse_value(start, low, high, names, offset), parse_value(end, low, high, names, offset)
            if first > last:
                raise ValueError(f'range "{range_text}" runs backwards')
        else:
            first = parse_value(range_text, low, high, names, offset)
            # "5/15" means from 5 to the end in steps of 15, as in the cron library Kubernetes uses.
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return values


def is_unrestricted(text):
    return text in ("*", "*/1")


class CronSchedule:
    """A five-field cron expression (or macro), evaluated in UTC."""

    def __init__(self, expression):
        self.expression = expression.strip()
        fields = MACROS.get(self.expression, self.expression).split()
        if len(fields) != 5:
            raise ValueError(f'"{expression}" has {len(fields)} fields; expected five or a macro such as @daily')
        self.minutes = parse_field(fields[0], 0, 59)
        self.hours = parse_field(fields[1], 0, 23)
        self.days = parse_field(fields[2], 1, 31)
        self.months = parse_field(fields[3], 1, 12, MONTHS, 1)
        # 0-6, as Kubernetes' cron library takes it: 7 is refused on both targets.
        self.weekdays = parse_field(fields[4], 0, 6, WEEKDAYS, 0)
        self.days_restricted = not is_unrestricted(fields[2])
        self.weekdays_restricted = not is_unrestricted(fields[4])

    def matches_day(self, moment):
        day_matches = moment.day in self.days
        weekday_matches = (moment.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return day_matches or weekday_matches
        return day_matches and weekday_matches

    def next_after(self, moment):
        """The first fire time strictly after `moment`."""
        candidate = moment.astimezone(UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        # Leap-day schedules can wait almost four years (eight when a century skips one).
        limit = candidate + dt.timedelta(days=366 * 9)
        while candidate <= limit:
            if candidate.month not in self.months:
                year = candidate.year + (candidate.month == 12)
                month = candidate.month % 12 + 1
                candidate = candidate.replace(year=year, month=month, day=1, hour=0, minute=0)
            elif not self.matches_day(candidate):
                candidate = (candidate + dt.timedelta(days=1)).replace(hour=0, minute=0)
            elif candidate.hour not in self.hours:
                candidate = (candidate + dt.timedelta(hours=1)).replace(minute=0)
            elif candidate.minute not in self.minutes:
                candidate = candidate + dt.timedelta(minutes=1)
            else:
                return candidate
        raise ValueError(f'"{self.expression}" never fires')


def now():
    return dt.datetime.now(UTC)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Scheduler:
    def __init__(self, options):
        self.options = options
        self.name = options.name
        self.state_dir = options.state_dir
        self.stopping = threading.Event()
        os.makedirs(os.path.join(self.state_dir, RUNS), exist_ok=True)

    def log(self, message):
        print(f"{stamp(now())} [{self.name}] {message}", flush=True)

    def beat(self):
        path = os.path.join(self.state_dir, HEARTBEAT)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(stamp(now()))

    def stop(self, signum, _frame):
        self.log(f"received signal {signum}; stopping")
        self.stopping.set()

    # One run: completions, parallelism, retries, deadline.

    def run(self, label):
        """Runs the job once under the lock; returns its exit code, or None when another run holds the lock."""
        lock = open(os.path.join(self.state_dir, LOCK), "w", encoding="utf-8")
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            return self.run_locked(label)
        finally:
            lock.close()

    def run_locked(self, label):
        options = self.options
        # Microseconds keep two runs in one second apart; the fixed width keeps ids sorting by time.
        run_id = now().strftime("%Y%m%dT%H%M%S.%fZ")
        run_dir = os.path.join(self.state_dir, RUNS, f"{run_id}-running")
        os.makedirs(run_dir, exist_ok=True)
        started = time.monotonic()
        self.log(f"run {run_id} started ({label}): {' '.join(options.command)}")
        exit_code = self.execute(run_id, run_dir, started)
        duration = time.monotonic() - started
        outcome = "succeeded" if exit_code == 0 else "failed"
        self.log(f"run {run_id} {outcome} with exit code {exit_code} after {duration:.1f}s")
        with open(os.path.join(run_dir, "result.json"), "w", encoding="utf-8") as handle:
            json.dump({"run": run_id, "label": label, "exitCode": exit_code, "durationSeconds": round(duration, 3)}, handle)
        os.rename(run_dir, os.path.join(self.state_dir, RUNS, f"{run_id}-{outcome}"))
        self.prune()
        return exit_code

    def start_copy(self, run_id, run_dir, index, attempt):
        log_path = os.path.join(run_dir, f"completion-{index}-attempt-{attempt}.log")
        # Named as on Kubernetes: the run all completions belong to, and this copy's index in it.
        environment = dict(os.environ, ML_PLATFORM_RUN_ID=run_id, JOB_COMPLETION_INDEX=str(index))
        process = subprocess.Popen(
            self.options.command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        prefix = f"[{self.name} {run_id} #{index} try {attempt}] "
        relay = threading.Thread(target=self.relay, args=(process.stdout, prefix, log_path), daemon=True)
        relay.start()
        self.log(f"run {run_id}: completion {index} attempt {attempt} started (pid {process.pid})")
        return process, relay

    @staticmethod
    def relay(stream, prefix, log_path):
        with open(log_path, "wb") as log_file:
            for line in iter(stream.readline, b""):
                log_file.write(line)
                log_file.flush()
                sys.stdout.write(prefix + line.decode("utf-8", "replace"))
                sys.stdout.flush()
        stream.close()

    @staticmethod
    def exit_code(process):
        code = process.returncode
        return 128 - code if code < 0 else code

    def terminate(self, active):
        for process, _relay, _index, _attempt, _started in active:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        give_up = time.monotonic() + STOP_GRACE_SECONDS
        for process, relay, _index, _attempt, _started in active:
            try:
                process.wait(timeout=max(0.0, give_up - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
            relay.join(timeout=5)

    def execute(self, run_id, run_dir, started):
        options = self.options
        deadline = started + options.deadline
        waiting = [(index, 1, 0.0) for index in range(options.completions)]  # (completion, attempt, not before)
        active = []
        while waiting or active:
            self.beat()
            if self.stopping.is_set():
                self.terminate(active)
                return 128 + signal.SIGTERM
            if time.monotonic() > deadline:
                self.log(f"run {run_id}: deadline of {options.deadline}s exceeded; stopping it")
                self.terminate(active)
                return DEADLINE_EXIT_CODE
            moment = time.monotonic()
            for entry in sorted(waiting, key=lambda item: item[2]):
                if len(active) >= options.parallelism:
                    break
                index, attempt, not_before = entry
                if not_before > moment:
                    continue
                waiting.remove(entry)
                process, relay = self.start_copy(run_id, run_dir, index, attempt)
                active.append((process, relay, index, attempt, moment))
            for entry in list(active):
                process, relay, index, attempt, copy_started = entry
                if process.poll() is None:
                    continue
                active.remove(entry)
                relay.join(timeout=5)
                code = self.exit_code(process)
                took = time.monotonic() - copy_started
                self.log(f"run {run_id}: completion {index} attempt {attempt} exited with code {code} after {took:.1f}s")
                if code == 0:
                    continue
                if attempt > options.backoff_limit:
                    self.log(f"run {run_id}: completion {index} has no retries left")
                    self.terminate(active)
                    return code
                delay = min(options.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY)
                self.log(f"run {run_id}: retrying completion {index} in {delay}s")
                waiting.append((index, attempt + 1, time.monotonic() + delay))
            self.stopping.wait(0.2)
        return 0

    def prune(self):
        runs_dir = os.path.join(self.state_dir, RUNS)
        keep = {"succeeded": self.options.keep_succeeded, "failed": self.options.keep_failed}
        for outcome, count in keep.items():
            finished = sorted((entry for entry in os.listdir(runs_dir) if entry.endswith(f"-{outcome}")), reverse=True)
            for entry in finished[count:]:
                shutil.rmtree(os.path.join(runs_dir, entry), ignore_errors=True)

    # The schedule loop.

    def serve(self, schedule, starting_deadline):
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.beat()
        due = schedule.next_after(now())
        self.log(f"schedule \"{schedule.expression}\" (UTC); first run at {stamp(due)}")
        while not self.stopping.is_set():
            self.beat()
            moment = now()
            if moment < due:
                self.stopping.wait(min(TICK_SECONDS, (due - moment).total_seconds()))
                continue
            # Collapse fire times that passed while a run was going or the host slept: only the latest counts.
            missed = 0
            following = schedule.next_after(due)
            while following <= moment:
                due, following, missed = following, schedule.next_after(following), missed + 1
            if missed:
                self.log(f"{missed} earlier fire time(s) passed while busy; considering only {stamp(due)}")
            late = (moment - due).total_seconds()
            if late > starting_deadline:
                self.log(f"skipping the run due at {stamp(due)}: {late:.0f}s late, over the starting deadline of {starting_deadline}s")
            else:
                code = self.run(f"scheduled for {stamp(due)}")
                if code is None:
                    self.log(f"skipping the run due at {stamp(due)}: another run is still going (concurrency forbid)")
            due = following
            self.log(f"next run at {stamp(due)}")
        self.log("stopped")
        return 0


def add_run_options(parser, required):
    parser.add_argument("--name", default="scheduler", help="name used in log lines")
    parser.add_argument("--state-dir", required=True, help="writable directory for the heartbeat, lock and run history")
    parser.add_argument("--completions", type=int, default=1 if not required else None, required=required)
    parser.add_argument("--parallelism", type=int, default=1 if not required else None, required=required)
    parser.add_argument("--backoff-limit", type=int, default=0 if not required else None, required=required)
    parser.add_argument("--deadline", type=int, default=3600 if not required else None, required=required, help="seconds")
    parser.add_argument("--retry-delay", type=float, default=10.0, help="first pause before a retry, in seconds")
    parser.add_argument("--keep-succeeded", type=int, default=3)
    parser.add_argument("--keep-failed", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")


def command_of(options):
    command = list(options.command)
    if command and command[0] == "--":
        command = command[1:]
    return command


def check_positive(parser, options):
    for name in ("completions", "parallelism", "deadline"):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if options.backoff_limit < 0:
        parser.error("--backoff-limit must not be negative")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="action", required=True)

    run_parser = commands.add_parser("run", help="run the command on the schedule until stopped")
    run_parser.add_argument("--schedule", required=True)
    run_parser.add_argument("--starting-deadline", type=int, default=600, help="seconds a run may start late")
    add_run_options(run_parser, required=True)

    once_parser = commands.add_parser("once", help="run the command once now; without a command, the one `run` uses")
    add_run_options(once_parser, required=False)

    check_parser = commands.add_parser("check", help="exit 0 while the heartbeat is fresh")
    check_parser.add_argument("--state-dir", required=True)
    check_parser.add_argument("--max-age", type=int, default=60, help="seconds")

    next_parser = commands.add_parser("next", help="print the next fire times")
    next_parser.add_argument("--schedule", required=True)
    next_parser.add_argument("--after", help="ISO time, default now")
    next_parser.add_argument("--count", type=int, default=5)

    options = parser.parse_args(argv)

    if options.action == "check":
        try:
            age = time.time() - os.path.getmtime(os.path.join(options.state_dir, HEARTBEAT))
        except OSError as error:
            print(f"no heartbeat: {error}", file=sys.stderr)
            return 1
        if age > options.max_age:
            print(f"heartbeat is {age:.0f}s old (limit {options.max_age}s)", file=sys.stderr)
            return 1
        return 0

    if options.action == "next":
        try:
            schedule = CronSchedule(options.schedule)
        except ValueError as error:
            parser.error(str(error))
        moment = dt.datetime.fromisoformat(options.after.replace("Z", "+00:00")) if options.after else now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        for _ in range(options.count):
            moment = schedule.next_after(moment)
            print(stamp(moment))
        return 0

    options.command = command_of(options)
    if options.action == "once" and not options.command:
        try:
            with open(os.path.join(options.state_dir, CONFIG), encoding="utf-8") as handle:
                saved = json.load(handle)
        except OSError as error:
            parser.error(f"no command given and no saved configuration in {options.state_dir}: {error}")
        for key, value in saved.items():
            setattr(options, key, value)
    if not options.command:
        parser.error("give the command to run after --")
    check_positive(parser, options)
    scheduler = Scheduler(options)

    if options.action == "once":
        signal.signal(signal.SIGTERM, scheduler.stop)
        signal.signal(signal.SIGINT, scheduler.stop)
        code = scheduler.run("started by hand")
        if code is None:
            print("another run is still going; not starting a second one", file=sys.stderr)
            return 75
        return code

    try:
        schedule = CronSchedule(options.schedule)
    except ValueError as error:
        parser.error(str(error))
    saved = {key: getattr(options, key) for key in (
        "name", "completions", "parallelism", "backoff_limit", "deadline", "retry_delay",
        "keep_succeeded", "keep_failed", "command",
    )}
    with open(os.path.join(options.state_dir, CONFIG), "w", encoding="utf-8") as handle:
        json.dump(saved, handle)
    return scheduler.serve(schedule, options.starting_deadline)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
