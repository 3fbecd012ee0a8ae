"""Django's JSON fixture format, keeping times to the microsecond.

Django's own JSON encoder cuts times to the millisecond, so a backup made with
`dumpdata` would not restore the audit history's times exactly. Registered as
the "json" format in settings, it is what `dumpdata` and `loaddata` use.
"""

import datetime

from django.core.serializers import json
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime) or (isinstance(o, datetime.time) and o.utcoffset() is None):
            return o.isoformat()
        return super().default(o)


class Serializer(json.Serializer):
    def serialize(self, queryset, **options):
        options.setdefault("cls", ExactJSONEncoder)
        return super().serialize(queryset, **options)


Deserializer = json.Deserializer
