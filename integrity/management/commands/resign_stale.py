from django.core.management.base import BaseCommand, CommandError

from integrity import reuse


class Command(BaseCommand):
    help = "按当前语料重新生成过期的查重比对指纹（语料规模比生成时翻了一番及以上的文本），与后台任务做的相同"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=reuse.RESIGN_BATCH,
                            help=f"每批处理的文本数（默认 {reuse.RESIGN_BATCH}），逐批进行直到没有过期指纹")

    def handle(self, *args, batch, **opts):
        if batch < 1:
            raise CommandError("--batch 必须是正整数")
        total = {"signed": 0, "changed": 0, "skipped": 0}
        batches = 0
        while True:
            result = reuse.resign_stale(batch=batch)
            batches += 1
            for k in total:
                total[k] += result[k]
            # A batch that found nothing to do ends it even if texts went stale meanwhile (the corpus growing
            # under it): the next growth step queues the background job for those.
            if not result["remaining"] or not (result["signed"] or result["skipped"]):
                break
        self.stdout.write(
            f"语料共 {reuse._corpus_size()} 篇；分 {batches} 批重新生成了 {total['signed']} 篇文本的比对指纹，"
            f"其中 {total['changed']} 篇有变化，{total['skipped']} 篇期间已重新编入索引而跳过；"
            f"剩余过期 {reuse.stale_count()} 篇")
