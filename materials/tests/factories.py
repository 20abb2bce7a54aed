import datetime as dt

from materials import services


def material(world, *, owner=None, title="学习材料", text="", days_ago=10, important=False, by=None, kind="speech",
             tags=()):
    return services.material_create(owner_unit=owner or world.city, title=title, kind=kind,
                                    published_on=world.today - dt.timedelta(days=days_ago), text=text,
                                    important=important, tags=tags, by=by)
