"""The tamper-evident audit trail: h_i = SM3(h_{i-1} ‖ canonical(record_i))."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .context import current_address
from .models import AuditEntry, AuditHead

ALGO = "sm3"
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


def chain_hash(prev_hash, entry, algo=ALGO):
    h = hashlib.new(algo)
    h.update(prev_hash.encode())
    h.update(canonical(entry))
    return h.hexdigest()


def record(*, action, by=None, obj=None, object_type="", object_id="", before=None, after=None, result="ok",
           actor_name=None, address=None):
    """Append one entry. Call inside the service's transaction so the entry lands with the change."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or str(obj.pk)
        entry = AuditEntry(
            id=head.last_id + 1,
            ts=timezone.now(),
            actor=account(by),
            actor_name=actor_name if actor_name is not None else (getattr(by, "username", "") or ""),
            address=address if address is not None else current_address(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(obj)[:255] if obj is not None else "",
            before=_jsonable(before),
            after=_jsonable(after),
            result=result,
            algo=ALGO,
        )
        entry.hash = chain_hash(head.last_hash or GENESIS, entry)
        entry.save(force_insert=True)
        head.last_id = entry.id
        head.last_hash = entry.hash
        head.save(update_fields=["last_id", "last_hash"])
        return entry


def snapshot(obj, fields):
    return {f: _jsonable(getattr(obj, f)) for f in fields}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    head: str = ""


def verify(batch=5000):
    """Recompute the chain; name the first row whose content, order or hash does not fit."""
    prev = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.id != expected_id:
                return VerifyResult(False, checked, expected_id, f"缺少第 {expected_id} 条记录（记录被删除）", prev)
            if chain_hash(prev, entry, entry.algo) != entry.hash:
                return VerifyResult(False, checked, entry.id, f"第 {entry.id} 条记录的内容或哈希被篡改", prev)
            prev = entry.hash
            expected_id += 1
            checked += 1
            last_id = entry.id
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_id != last_id:
        return VerifyResult(False, checked, last_id + 1, f"链尾应为第 {head.last_id} 条，实际只有 {last_id} 条", prev)
    return VerifyResult(True, checked, None, "", prev)
