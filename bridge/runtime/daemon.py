"""The composition root: builds every part from Settings and runs them together."""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bridge.compiled import compiled_modules
from bridge.compiled import state as core_state
from bridge.config import Settings
from bridge.connectors.errors import ApiError, RetriableError
from bridge.connectors.jira import JiraConnector
from bridge.connectors.slack import SlackConnector
from bridge.connectors.statuspage import StatuspageConnector
from bridge.connectors.zendesk import ZendeskConnector
from bridge.runtime.app import create_app
from bridge.runtime.group_check import check_groups
from bridge.runtime.page_check import check_components
from bridge.runtime.http import HttpServer
from bridge.runtime.leader import Leadership
from bridge.runtime.metrics import Metrics
from bridge.runtime.outage import FailureLog
from bridge.runtime.rules_watch import RulesHolder
from bridge.runtime.webhooks import WebhookConfig, webhook_router
from bridge.runtime.worker import Worker
from bridge.store import Store, open_store, store_problem, store_unavailable
from bridge.store.db import sqlite_file
from bridge.sync.execute import Connectors, Executor
from bridge.sync.poll import SECOND_CLOSED, ZENDESK_CURSOR, JiraPoller, ZendeskPoller
from bridge.sync.preview import Preview, preview_changes
from bridge.sync.catch_up import catch_up_summary
from bridge.sync.monthly_report import monthly_report
from bridge.sync.sweep import sweep
from bridge.sync.process import Processor

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def build_connectors(settings: Settings) -> Connectors:
    return Connectors(
        zendesk=ZendeskConnector(
            url=settings.zendesk_url,
            email=settings.zendesk_email,
            token=settings.zendesk_token.get_secret_value(),
            ca_bundle=settings.ca_bundle,
            timeout=settings.api_timeout_seconds,
        ),
        jira=JiraConnector(
            url=settings.jira_url,
            email=settings.jira_email,
            token=settings.jira_token.get_secret_value(),
            ca_bundle=settings.ca_bundle,
            timeout=settings.api_timeout_seconds,
        ),
        slack=SlackConnector(
            token=settings.slack_token.get_secret_value(),
            base_url=settings.slack_base_url,
            ca_bundle=settings.ca_bundle,
            timeout=settings.api_timeout_seconds,
        ),
        statuspage=StatuspageConnector(
            url=settings.statuspage_url,
            token=settings.statuspage_token.get_secret_value(),
            page_id=settings.statuspage_page_id,
            ca_bundle=settings.ca_bundle,
            timeout=settings.api_timeout_seconds,
        ) if settings.statuspage else None,
    )


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        rules: RulesHolder,
        clock: Clock = system_clock,
        decision_clock: Clock | None = None,
        dry_run: bool = False,
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.clock = clock  # real time: API bookmarks, leases, retries
        self.decision_clock = decision_clock or clock  # the time SLAs are judged at
        self.metrics = Metrics()
        store_url = settings.store_url
        missing = sqlite_file(store_url)
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if dry_run and missing is not None and not missing.exists():
            # A dry run writes nothing, not even a new empty store: it judges as a new install
            # would, on a scratch store that goes with it.
            self._scratch = tempfile.TemporaryDirectory(prefix="bridge-dry-run-")
            store_url = f"sqlite:///{Path(self._scratch.name) / 'bridge.db'}"
        self.store: Store = open_store(store_url)
        self.leadership = Leadership(self.store.engine)
        self.connectors = build_connectors(settings)
        self.processor = Processor(
            store=self.store,
            zendesk=self.connectors.zendesk,
            jira=self.connectors.jira,
            rules=rules.current,
            clock=clock,
            decision_clock=self.decision_clock,
            default_project=settings.jira_project,
            max_attempts=settings.max_attempts,
            lease=timedelta(seconds=settings.lease_seconds),
            retry_base=settings.retry_base_seconds,
            retry_max=settings.retry_max_seconds,
            status_page=settings.statuspage,
        )
        self.executor = Executor(
            store=self.store,
            connectors=self.connectors,
            manager_channel=settings.slack_manager_channel,
            clock=clock,
            max_attempts=settings.max_attempts,
            lease=timedelta(seconds=settings.lease_seconds),
            retry_base=settings.retry_base_seconds,
            retry_max=settings.retry_max_seconds,
            attachment_max_bytes=int(settings.attachment_max_mb * 1024 * 1024),
        )
        first_start = clock() - timedelta(minutes=5)  # where a store without bookmarks begins
        self.poller = ZendeskPoller(store=self.store, zendesk=self.connectors.zendesk, clock=clock, first_start=first_start)
        self.jira_poller = JiraPoller(store=self.store, jira=self.connectors.jira, clock=clock, first_start=first_start)
        self.workers = [
            Worker([self.processor.run_ready, self.executor.run_ready], name=f"worker-{n}")
            for n in range(settings.workers)
        ]
        self.dry_run = dry_run
        self._preview_cursor: str | None = None
        self.poll_errors: dict[str, str] = {}  # the last poll's failures, by service: `sync once` reports them
        self._poll_failures = {
            source: FailureLog(log, f"{source} poll", expected=(ApiError,)) for source in ("zendesk", "jira")
        }
        # A service that answered 429 with Retry-After is not polled before then: Zendesk
        # allows 10 incremental-export reads a minute, and a read sooner only meets another 429.
        self._poll_resumes: dict[str, datetime] = {}
        self._sweep_failures = FailureLog(log, "sweep")
        self._report_failures = FailureLog(log, "the monthly report notice")
        self._reload_failures = FailureLog(log, "judging open tickets by the reloaded rules")
        self._judge_all_again = False  # new rules came, and open tickets are not yet due for them
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self._started = False
        self.http = self._http_server()

    def _http_server(self) -> HttpServer:
        settings = self.settings
        webhooks = webhook_router(
            store=self.store,
            config=WebhookConfig(
                zendesk_secret=settings.zendesk_webhook_secret.get_secret_value(),
                jira_secret=settings.jira_webhook_secret.get_secret_value(),
                max_bytes=settings.webhook_max_bytes,
            ),
            metrics=self.metrics,
            clock=self.clock,
            on_new=self.wake,
            own_zendesk_user=lambda: self.connectors.zendesk.user_id,
        )
        return HttpServer(
            create_app(store=self.store, metrics=self.metrics, ready=lambda: self._started, routers=(webhooks,)),
            host=settings.http_host,
            port=settings.http_port,
        )

    # --- one cycle, for `bridge sync once` and tests --------------------------------

    def sync_once(self) -> int:
        """Poll, then process and execute until nothing is ready; returns events taken + actions run.

        Changes of the last second wait for it to close (sync/poll.py): those are waited for
        (with as much again for Zendesk's clock being ahead), retries scheduled for later are not."""
        self.poll()
        total = self.drain()
        while (soon := self.store.inbox.next_ready_at(self.clock())) is not None and soon - self.clock() <= 2 * SECOND_CLOSED:
            time.sleep(max(0.0, (soon - self.clock()).total_seconds()))
            total += self.drain()
        return total

    def drain(self) -> int:
        """Process and execute until nothing is ready (retries scheduled for later stay queued)."""
        total = 0
        while True:
            done = self.processor.run_ready() + self.executor.run_ready()
            total += done
            if not done:
                return total

    def preview_once(self) -> Preview:
        """Dry run: what the changes since the last real (or previewed) poll would cause."""
        preview, self._preview_cursor = preview_changes(
            store=self.store,
            zendesk=self.connectors.zendesk,
            rules=self.rules.current(),
            now=self.decision_clock(),
            default_project=self.settings.jira_project,
            cursor=self._preview_cursor or self.store.cursor(ZENDESK_CURSOR),
            start_time=int((self.clock() - timedelta(minutes=5)).timestamp()),
        )
        return preview

    def poll(self) -> int:
        """Both pollers (on the leader only); returns how many new events they stored."""
        if not self.leadership.is_leader():
            return 0
        self.poll_errors = {}
        return self._poll("zendesk", self.poller.poll_once) + self._poll("jira", self.jira_poller.poll_once)

    def _preview_tick(self) -> None:
        try:
            self.preview_once()
        except Exception as exc:  # noqa: BLE001 — as a failed poll: a line, and the next tick tries again
            log.warning("dry run: preview failed: %s", exc)

    def _poll(self, source: str, poll_once: Callable[[], int]) -> int:
        resumes = self._poll_resumes.get(source)
        if resumes is not None and self.clock() < resumes:
            return 0
        try:
            new = poll_once()
        except Exception as exc:  # noqa: BLE001 — a failed poll is retried on the next tick
            self.metrics.polls.labels(source=source, outcome="error").inc()
            if isinstance(exc, RetriableError) and exc.retry_after:
                self._poll_resumes[source] = self.clock() + timedelta(seconds=exc.retry_after)
            self._poll_failures[source].failed(exc)
            self.poll_errors[source] = f"store unavailable ({store_problem(exc)})" if store_unavailable(exc) else str(exc)
            return 0
        self._poll_failures[source].succeeded()
        self.metrics.polls.labels(source=source, outcome="ok").inc()
        if new:
            self.metrics.events_new.labels(source=source).inc(new)
            self.wake()
        return new

    def sweep(self) -> int:
        """Judge every open ticket at the decision clock's now (SLA warnings, breaches …); leader only."""

        def judge() -> int:
            rules, now = self.rules.current(), self.decision_clock()
            planned = sweep(store=self.store, rules=rules, now=now, default_project=self.settings.jira_project, clock=self.clock)
            return planned + catch_up_summary(store=self.store, rules=rules, now=now)

        return self._as_leader(judge, self._sweep_failures)

    def monthly_report(self) -> int:
        """Tell the manager how the month before went, once; leader only (it reads every ticket
        of two months, once a month: not on the sweep's minute)."""
        return self._as_leader(
            lambda: monthly_report(store=self.store, rules=self.rules.current(), now=self.decision_clock()),
            self._report_failures,
        )

    def _as_leader(self, plan: Callable[[], int], failures: FailureLog) -> int:
        """A timer's planning, on the leader only: what it planned wakes the workers; a failure
        is logged, and the next tick tries again."""
        if not self.leadership.is_leader():
            return 0
        try:
            planned = plan()
        except Exception as error:  # noqa: BLE001 — the next tick tries again
            failures.failed(error)
            return 0
        failures.succeeded()
        if planned:
            self.wake()
        return planned

    def _learn_identity(self) -> None:
        try:
            self.connectors.zendesk.whoami()
        except Exception as exc:  # noqa: BLE001 — learnt from the next update instead
            log.warning("could not read the bridge's own Zendesk user: %s", exc)

    def _check_groups(self) -> None:
        """What the rules name that the services lack: Zendesk groups, status page components."""
        check_groups(self.rules.current(), self.connectors.zendesk)
        check_components(self.rules.current(), self.connectors.statuspage)

    def reload_rules(self) -> bool:
        """Take up a changed rules.yaml; new rules may judge any open ticket otherwise, so all are due."""
        if self.rules.reload_if_changed():
            self._judge_all_again = True
            self._check_groups()
        if not self._judge_all_again:
            return False
        try:
            self.store.snapshots.make_all_due(at=self.decision_clock())
        except Exception as error:  # noqa: BLE001 — the new rules are in force; the next tick tries again
            self._reload_failures.failed(error)
            return False
        self._reload_failures.succeeded()
        self._judge_all_again = False
        return True

    def wake(self) -> None:
        for worker in self.workers:
            worker.wake()

    # --- the long-running daemon ------------------------------------------------------

    def start(self) -> None:
        interval = self.settings.poll_interval_seconds
        if self.dry_run:  # read-only: no webhook server (it would store events), no workers
            self.scheduler.add_job(
                self._preview_tick, "interval", seconds=interval, id="preview", max_instances=1, coalesce=True,
                next_run_time=datetime.now(timezone.utc),
            )
            self.scheduler.start()
            self._started = True
            log.info("dry run: previewing changes every %ss; nothing will be changed", interval)
            return
        self.http.start()
        self.scheduler.add_job(
            self.poll, "interval", seconds=interval, id="poll", max_instances=1, coalesce=True,
            next_run_time=datetime.now(timezone.utc),
        )
        self.scheduler.add_job(
            self.sweep, "interval", seconds=self.settings.sweep_interval_seconds, id="sweep", max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.monthly_report, "interval", hours=1, id="monthly-report", max_instances=1, coalesce=True,
            next_run_time=datetime.now(timezone.utc) + timedelta(minutes=1),  # once leadership is settled
        )
        # Knowing its own Zendesk user lets the bridge recognise its own changes on arrival;
        # until then (or if this read fails) they are read back like anyone's.
        self.scheduler.add_job(self._learn_identity, id="whoami", next_run_time=datetime.now(timezone.utc))
        self.scheduler.add_job(self._check_groups, id="check-groups", next_run_time=datetime.now(timezone.utc))
        self.scheduler.add_job(
            self.reload_rules, "interval", seconds=2, id="reload-rules", max_instances=1, coalesce=True
        )
        self.scheduler.start()
        for worker in self.workers:
            worker.start()
        self._started = True
        log.info("bridge running: http %s, polling every %ss; decisions on the %s", self.http.url, interval,
                 "compiled core" if compiled_modules() else f"Python sources (compiled core: {core_state()})")

    def stop(self) -> None:
        self._started = False
        self.scheduler.shutdown(wait=False)
        if not self.dry_run:
            for worker in self.workers:
                worker.stop()
            self.http.stop()
        self.leadership.release()
        self.store.close()

    def run_forever(self, *, on_started: Callable[[], object] = lambda: None) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.start()
        on_started()
        stop.wait()
        log.info("stopping")
        self.stop()
