"""The feedback use case: check what the agent says it sent against the recorded drafts, classify, store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from service.errors import ForbiddenError, NotFoundError, UserError
from service.feedback.classify import EditClassifier
from service.feedback.models import DraftRecord, FeedbackEntry
from service.feedback.pending import PendingRecords
from service.feedback.recorder import DISCARDED
from service.feedback.store import FeedbackStore
from service.observability.logs import redact


class FeedbackService:
    """POST /v1/feedback's work; the route only maps HTTP onto it."""

    def __init__(self, store: FeedbackStore, classifier: EditClassifier,
                 vocabulary: Callable[[str], frozenset[str]], pending: PendingRecords | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), wait_s: float = 5.0) -> None:
        self.store = store
        self.classifier = classifier
        self._vocabulary = vocabulary
        self._pending = pending
        self._clock = clock
        self._wait_s = wait_s

    def submit(self, request_id: str, draft_index: int | None, sent_text: str,
               may_use_shop: Callable[[str], bool]) -> tuple[FeedbackEntry, bool]:
        """Classify and store feedback on a recorded request; repeated feedback replaces the earlier one.

        Returns:
            The stored entry, and True when it is the request's first feedback.

        Raises:
            NotFoundError: no draft request with this id was recorded.
            ForbiddenError: the request belongs to a shop the caller may not use.
            UserError: draft_index is not one of the request's drafts.
        """
        record = self.store.record(request_id)
        if record is None and self._pending is not None and self._pending.wait(request_id, self._wait_s):
            record = self.store.record(request_id)  # its record was still being written, after its answer
        if record is None:
            raise NotFoundError(f"no draft request `{request_id}` was recorded (the request_id of a POST /v1/drafts "
                                "answer)", where="body.request_id")
        if not may_use_shop(record.shop_id):
            raise ForbiddenError(f"draft request `{request_id}` belongs to shop `{record.shop_id}`, which this key "
                                 "may not use", where="body.request_id")
        self._check_index(record, draft_index)
        sent = redact(sent_text)  # stored like the drafts were: no phone numbers or addresses
        result = self.classifier.classify([d.text for d in record.drafts], draft_index, sent,
                                          self._vocabulary(record.shop_id))
        return self.store.save_feedback(record, draft_index, sent, result, self._clock())

    @staticmethod
    def _check_index(record: DraftRecord, draft_index: int | None) -> None:
        if draft_index is None:
            return
        if not 0 <= draft_index < len(record.drafts):
            raise UserError(f"draft_index {draft_index} is not a draft of request `{record.request_id}`: it had "
                            f"{len(record.drafts)} draft(s), indexes 0..{len(record.drafts) - 1} (null: the agent "
                            "wrote their own reply)", where="body.draft_index")
        if record.drafts[draft_index].source == DISCARDED:
            raise UserError(f"draft {draft_index} of request `{record.request_id}` was discarded while it streamed "
                            "(never a usable draft)", where="body.draft_index")
