"""The tamper-evident audit trail: h_i = HMAC-SM3(key, h_{i-1} ‖ canonical(record_i)).

The key lives outside the database (AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE), so someone who can write
the database can still edit a row but can no longer recompute the hashes after it. What a keyed chain
cannot show by itself is the newest rows being cut off together with the head: for that the head is
published outside the database (`publish_audit_head`, daily) and every report prints `current_head()`;
`verify()` checks the chain against every published head it can read.
"""

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import sql
from .audit_display import describe
from .context import current_address
from .models import AuditEntry, AuditHead

ALGO = "hmac-sm3"
LEGACY_ALGO = "sm3"  # the unkeyed chain before migration core.0002 re-keyed it
ALGO_LABEL = "SM3-HMAC"
MIN_RETENTION_DAYS = 183  # 等保 2.0: audit records kept at least six months, whatever the setting says
# What the audit administrator reads; the code stays in English so that queries and exports are stable.
ACTION_LABELS = {
    "login": "登录", "logout": "退出", "login.unlock": "解除锁定", "user.create": "创建账号",
    "user.password_change": "修改密码", "user.totp_enable": "启用动态口令",
    "user.totp_fail": "动态口令错误", "user.totp_throttled": "动态口令尝试过频", "user.backup_code_used": "使用备用口令",
    "user.totp_reset": "重置动态口令", "token.create": "创建 API 令牌", "token.revoke": "吊销 API 令牌",
    "token.use": "使用 API 令牌（当日首次）", "person.export": "导出个人数据", "person.anonymise": "匿名化人员", "unit.create": "设立单位",
    "unit.rename": "单位更名", "unit.move": "调整隶属", "unit.close": "撤销单位", "person.create": "新增人员",
    "person.update": "修改人员", "membership.add": "加入中心组", "membership.end": "离开中心组",
    "supervisor.add": "设置督导范围", "supervisor.request": "申请设置督导范围",
    "supervisor.approve": "批准督导范围", "supervisor.refuse": "驳回督导范围", "user.bind_approve": "批准账号绑定人员",
    "user.bind_refuse": "驳回账号绑定人员", "observer.add": "加入巡听库", "observer.assign": "派出巡听",
    "import.members": "导入成员", "import.units": "导入单位", "seed.load": "生成数据",
    "seed.materials": "生成学习资料", "seed.plans": "生成学习计划", "seed.meetings": "生成集体学习",
    # 学习资料与第一议题
    "material.create": "新增学习资料", "material.update": "修改学习资料", "material.attachment_add": "上传资料附件",
    "reading_list.create": "新建必学书目", "reading_list.add": "书目增加篇目", "first_item.record": "登记第一议题",
    # 学习计划
    "plans.guidance.save": "保存年度学习安排", "plans.guidance.publish": "下发规定专题",
    "plans.reference.send": "下发参考议题", "plans.reference.adopt": "采纳参考议题",
    "plans.plan.create": "新建学习计划", "plans.plan.save": "保存学习计划", "plans.plan.submit": "提交计划审定",
    "plans.plan.approve": "审定学习计划", "plans.plan.return": "退回学习计划", "plans.plan.report": "报送学习计划",
    "plans.plan.revise": "修订学习计划",
    # 集体学习
    "session.schedule": "安排集体学习", "session.update": "修改集体学习", "session.speaker_approve": "外请辅导把关备案",
    "session.record": "填写纪要小结", "session.draw": "随机点名", "session.archive": "归档集体学习",
    "session.cancel": "取消集体学习", "session.correct": "更正归档记录", "attendance.record": "登记考勤",
    "attendance.checkin": "扫码签到", "attachment.add": "上传照片附件", "preparation.submit": "提交发言材料",
    "leave.request": "申请请假", "leave.decide": "审批请假", "makeup.assign": "布置补学", "makeup.submit": "提交补学体会",
    "makeup.report": "通报补学",
    # 学习成果、调研与宣讲
    "writing.create": "新建学习成果", "writing.update": "修改学习成果", "writing.submit": "提交学习成果",
    "writing.accept": "认可补学体会/发言材料", "writing.return": "退回补学体会/发言材料",
    "research.topic_create": "列出调研课题", "research.topic_claim": "认领调研课题",
    "research.topic_advance": "调研课题进入下一阶段", "research.outcome_add": "登记成果转化",
    "research.lecture_record": "登记宣讲党课",
    # 工作日历
    "workday.set": "录入工作日调整", "workday.delete": "删除工作日调整",
    # 联学与请假撤回
    "leave.withdraw": "撤回请假", "session.freeze_backfill": "补存归档记录", "session.partner_accept": "接受联学邀请", "session.partner_decline": "谢绝联学邀请",
    "session.partner_remove": "移出联学中心组", "session.partner_leave": "退出联学", "session.partner_missing": "登记联学未登记原因",
    # 真学真记
    "integrity.reuse.recheck": "复查文字重复", "integrity.reuse.recheck_request": "提交后台文字重复复查", "integrity.signal.explain": "说明真学真记提示",
    # 巡听旁听与督查
    "supervision.absence_add": "登记巡听人员不可派期间", "supervision.checklist_create": "新建评分表",
    "supervision.checklist_item_add": "评分表增加项目", "supervision.draw": "随机抽取巡听对象",
    "supervision.focus_add": "列入重点旁听对象", "supervision.focus_visits": "安排重点旁听",
    "supervision.inspection_assign": "分派专题督查人员", "supervision.inspection_create": "发起专题督查",
    "supervision.inspection_record": "登记督查结果", "supervision.plan_create": "制定巡听旁听计划",
    "supervision.rect_accept": "验收整改", "supervision.rect_return": "退回整改", "supervision.speaker_refuse": "外请辅导未通过把关",
    "supervision.visit_score": "巡听评分", "supervision.rect_add": "登记整改事项", "supervision.rect_done": "整改完成",
    "supervision.speaker_approve": "外请辅导政治把关", "supervision.speaker_file": "外请辅导备案",
    "supervision.visit_add": "安排巡听", "supervision.visit_assign": "派出巡听人员", "supervision.visit_cancel": "取消巡听",
    "supervision.visit_feedback": "提交巡听反馈", "supervision.visit_file": "学习安排报备",
    # 通报、报送与档案
    "reports.archive_built": "生成档案专卷", "reports.archive_request": "申请生成档案专卷",
    "reports.bulletin_generate": "生成通报", "reports.office_save": "保存发文机关设置", "reports.submit": "报送材料",
    "reports.task_create": "下发报送任务",
    # 考核评价
    "assessment.system_create": "制定考核指标体系", "assessment.system_update": "修改考核指标体系",
    "assessment.manual_score": "录入考核评分", "assessment.study_report": "提交述学报告",
    "assessment.evaluation_create": "发起民主评议", "assessment.evaluation_close": "结束民主评议",
    "assessment.vote": "参加民主评议", "assessment.round_create": "发起学习之星评选", "assessment.nominate": "推荐学习之星",
    "assessment.review": "审核学习之星推荐", "assessment.decide": "确定学习之星", "assessment.publish": "公布学习之星",
    "audit.rekey": "审计链启用密钥", "audit.export": "导出审计日志", "audit.prune": "清理过期审计记录",
}
GENESIS = "0" * 64


def account(by):
    """The user for an actor or created_by column; None when a command or the seed acts without an account."""
    return by if getattr(by, "pk", None) else None


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical(entry):
    """A byte string that depends on every audited field and on nothing the database may reformat."""
    ts = entry.ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "id": entry.id,
        "ts": ts,
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "address": entry.address,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "result": entry.result,
        "algo": entry.algo,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=8)
def _key_from(configured, path, secret):
    if path:
        raw = Path(path).read_bytes().strip()
        try:
            return bytes.fromhex(raw.decode())
        except ValueError:
            return raw
    if configured:
        try:
            return bytes.fromhex(configured)
        except ValueError:
            return configured.encode()
    # Development only: settings refuse to start without a key when DEBUG is off.
    return hashlib.new("sm3", ("audit-key:" + secret).encode()).digest()


def key():
    return _key_from(settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_KEY_FILE, settings.SECRET_KEY)


def _sm3(data=b""):
    # hmac calls the digest constructor with the key itself when the key is longer than SM3's 64-byte block
    # (a 65-character passphrase, a 256-bit key written as more than 128 hex digits), so it must take data.
    return hashlib.new("sm3", data)


def chain_hash(prev_hash, entry, algo=ALGO, secret=None):
    if algo == LEGACY_ALGO:
        h = hashlib.new("sm3")
        h.update(prev_hash.encode())
        h.update(canonical(entry))
        return h.hexdigest()
    if algo != ALGO:
        raise ValueError(f"unknown audit algorithm {algo!r}")
    return hmac.new(secret or key(), prev_hash.encode() + canonical(entry), _sm3).hexdigest()


def floor_mac(floor_id, floor_hash, secret=None):
    return hmac.new(secret or key(), f"floor:{floor_id}:{floor_hash}".encode(), _sm3).hexdigest()


def record(*, action, by=None, obj=None, object_type="", object_id="", before=None, after=None, result="ok",
           actor_name=None, address=None):
    """Append one entry. Call inside the service's transaction so the entry lands with the change."""
    # No savepoint of its own: an entry that cannot be written must take the service's change back with it
    # (nothing catches this and goes on), and inside a QR scan the statements would run under SQLite's lock.
    with transaction.atomic(savepoint=False):
        last_id, last_hash = _lock_head()
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or str(obj.pk)
        entry = AuditEntry(
            id=last_id + 1,
            ts=timezone.now(),
            actor=account(by),
            actor_name=actor_name if actor_name is not None else (getattr(by, "username", "") or ""),
            address=address if address is not None else current_address(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=describe(obj)[:255] if obj is not None else "",
            before=_jsonable(before),
            after=_jsonable(after),
            result=result,
            algo=ALGO,
        )
        entry.hash = chain_hash(last_hash or GENESIS, entry)
        _append(entry)
        return entry


# The head and the new entry in three statements written out (core/sql.py): every write of the product appends an
# entry, and inside it the head is locked (on SQLite the whole database is), so Django building the three queries
# anew each time (≈1 ms of a core) is paid by every writer waiting behind it. The audit tests verify the chain.
_HEAD_SQL = "SELECT last_id, last_hash FROM core_audithead WHERE id = 1"
_HEAD_UPDATE_SQL = "UPDATE core_audithead SET last_id = %s, last_hash = %s WHERE id = 1"


def _lock_head():
    found = sql.rows(_HEAD_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else ""))
    if not found:  # the first entry of a new database
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        return head.last_id, head.last_hash
    return found[0]


def _append(entry):
    sql.insert(entry)
    sql.write(_HEAD_UPDATE_SQL, [entry.id, entry.hash])


def snapshot(obj, fields):
    return {f: _jsonable(getattr(obj, f)) for f in fields}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    head: str = ""
    published_checked: int = 0


def _anchor():
    """Where the chain starts: (first id, hash before it) — genesis, or the MAC-protected pruning floor."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.floor_id <= 1:
        return 1, GENESIS, None
    if not hmac.compare_digest(head.floor_mac, floor_mac(head.floor_id, head.floor_hash)):
        return head.floor_id, head.floor_hash, "审计链起点（清理锚点）被篡改"
    return head.floor_id, head.floor_hash, None


def verify(batch=5000, published=None):
    """Recompute the chain; name the first row whose content, order or hash does not fit.

    `published` is a list of (seq, hash) heads published outside the database; by default those in
    settings.AUDIT_HEAD_FILE. A published head the chain no longer reaches means rows were cut off.
    """
    first_id, prev, problem = _anchor()
    if problem:
        return VerifyResult(False, 0, first_id, problem, prev)
    if published is None:
        published = [(p.seq, p.hash) for p in published_heads()]
    wanted = {}
    for seq, digest in published:
        wanted.setdefault(seq, set()).add(digest)
    expected_id = first_id
    checked = 0
    matched = 0
    last_id = first_id - 1
    if first_id - 1 in wanted:
        if prev not in wanted[first_id - 1]:
            return VerifyResult(False, 0, first_id - 1, f"已发布的链头 #{first_id - 1} 与链不符", prev)
        matched += 1
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.id != expected_id:
                return VerifyResult(False, checked, expected_id, f"缺少第 {expected_id} 条记录（记录被删除或重新编号）",
                                    prev)
            if entry.algo != ALGO:
                return VerifyResult(False, checked, entry.id, f"第 {entry.id} 条记录的算法被改为 {entry.algo}", prev)
            if not hmac.compare_digest(chain_hash(prev, entry), entry.hash):
                return VerifyResult(False, checked, entry.id, f"第 {entry.id} 条记录的内容或哈希被篡改", prev)
            if entry.id in wanted:
                if entry.hash not in wanted[entry.id]:
                    return VerifyResult(False, checked, entry.id, f"第 {entry.id} 条记录与已发布的链头不符", prev)
                matched += 1
            prev = entry.hash
            expected_id += 1
            checked += 1
            last_id = entry.id
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_id != last_id:
        return VerifyResult(False, checked, last_id + 1, f"链尾应为第 {head.last_id} 条，实际只有 {last_id} 条", prev)
    if head and last_id and head.last_hash != prev:
        return VerifyResult(False, checked, last_id, "链头记录的哈希与最后一条记录不符", prev)
    beyond = sorted(seq for seq in wanted if seq > last_id)
    if beyond:
        return VerifyResult(False, checked, last_id + 1,
                            f"已发布的链头 #{beyond[-1]} 超出现有链尾 #{last_id}（最新记录被截断）", prev,
                            matched)
    return VerifyResult(True, checked, None, "", prev, matched)


# ---- The head, published outside the database ------------------------------------------------------------

@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    algo: str = ALGO

    @property
    def short(self):
        return self.hash[:16]

    @property
    def text(self):
        """The line reports and archives print, e.g. 审计链 #12345 · SM3-HMAC 3f2a9c…"""
        return f"审计链 #{self.seq} · {ALGO_LABEL} {self.short}…"

    def line(self, when=None):
        when = timezone.localtime(when or timezone.now())
        return f"{when.isoformat(timespec='seconds')}\t#{self.seq}\t{self.algo}\t{self.hash}\n"


def current_head():
    """The chain's newest entry (seq 0 with the genesis hash when nothing was recorded yet)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or not head.last_id:
        return Head(0, GENESIS)
    return Head(head.last_id, head.last_hash)


@dataclass(frozen=True)
class PublishedHead:
    when: str
    seq: int
    hash: str


_LINE = re.compile(r"^(\S+)\t#(\d+)\t(\S+)\t([0-9a-f]{64})$")


def head_file():
    return Path(settings.AUDIT_HEAD_FILE)


def published_heads(path=None):
    path = Path(path) if path else head_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    heads = []
    for line in text.splitlines():
        if m := _LINE.match(line.strip()):
            heads.append(PublishedHead(m.group(1), int(m.group(2)), m.group(4)))
    return heads


def publish_head(path=None, *, syslog=False):
    """Append the current head to the append-only file (and optionally syslog); returns the Head."""
    head = current_head()
    path = Path(path) if path else head_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each line lands at the end even if the file is shared; `chattr +a` makes it append-only.
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(head.line())
        fh.flush()
    if syslog:
        import syslog as _syslog

        _syslog.openlog("zxz-audit", 0, _syslog.LOG_AUTH)
        _syslog.syslog(_syslog.LOG_NOTICE, f"audit head #{head.seq} {head.algo} {head.hash}")
        _syslog.closelog()
    return head


@dataclass
class HeadCheck:
    ok: bool
    message: str


def check_published(seq, digest):
    """Does a head printed in a report or the head file (seq + full hash or a ≥8-hex prefix) fit the chain?"""
    digest = (digest or "").strip().lower().rstrip("…").rstrip(".")
    if not re.fullmatch(r"[0-9a-f]{8,64}", digest):
        return HeadCheck(False, "哈希应为 8–64 位十六进制字符")
    if seq < 0:
        return HeadCheck(False, "序号不能为负数")
    first_id, floor_hash, problem = _anchor()
    if problem:
        return HeadCheck(False, problem)
    if seq == first_id - 1:
        actual = floor_hash
    elif seq < first_id - 1:
        return HeadCheck(False, f"第 {seq} 条已超过保留期被清理，只能核对清理锚点 #{first_id - 1} 及之后的链头")
    else:
        entry = AuditEntry.objects.filter(id=seq).first() if seq else None
        if seq == 0:
            actual = GENESIS
        elif entry is None:
            return HeadCheck(False, f"链中没有第 {seq} 条记录：最新记录可能被截断")
        else:
            actual = entry.hash
    if not actual.startswith(digest):
        return HeadCheck(False, f"第 {seq} 条记录的哈希与所给链头不符：链被改写过")
    result = verify(published=[(seq, actual)])
    if not result.ok:
        return HeadCheck(False, f"链头相符，但审计链校验失败：{result.reason}")
    return HeadCheck(True, f"相符：第 {seq} 条记录的哈希与所给链头一致，审计链完整（共 {result.checked} 条）")


# ---- Retention -------------------------------------------------------------------------------------------

@dataclass
class PruneResult:
    deleted: int
    floor_id: int
    cutoff: dt.datetime


def retention_days():
    return max(settings.AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)


def prune(*, now=None, by=None):
    """Delete entries older than the retention period, anchoring the chain at the first kept entry.

    The anchor (floor id, hash of the entry before it) is MAC'd with the key, so after pruning the
    chain still verifies from the anchor and nobody without the key can move the anchor forward.
    A broken chain is never pruned: that would destroy the evidence.
    """
    result = verify()
    if not result.ok:
        raise RuntimeError(f"审计链校验失败，不能清理：{result.reason}")
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        first_kept = AuditEntry.objects.filter(ts__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        if first_kept is None:
            first_kept = head.last_id + 1
        if first_kept <= head.floor_id:
            return PruneResult(0, head.floor_id, cutoff)
        before = AuditEntry.objects.filter(id=first_kept - 1).values_list("hash", flat=True).first()
        old_floor = head.floor_id
        head.floor_id = first_kept
        head.floor_hash = before
        head.floor_mac = floor_mac(first_kept, before)
        head.save(update_fields=["floor_id", "floor_hash", "floor_mac"])
        deleted = AuditEntry.objects._prune_before(first_kept)
        record(action="audit.prune", by=by, object_type="core.auditentry",
               after={"deleted": deleted, "from_id": old_floor, "floor_id": first_kept, "floor_hash": before,
                      "cutoff": cutoff, "retention_days": retention_days()})
    return PruneResult(deleted, first_kept, cutoff)
