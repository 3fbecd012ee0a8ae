"""Synthetic data sets for benchmarks: sources, anchored claims, updates, evidence, relations and their history.

The `generate_synthetic` command drives `SyntheticRun`. Every source is drawn from a random
generator seeded with the run's seed and the source's number, so that a seed gives the same
data every time, whatever else the database holds. Rows are written in bulk (`Table`: COPY on
PostgreSQL), a batch of sources at a time, each followed by its django-simple-history rows: a
record's creation ("+"), and for a claim one more row ("~") for every update applied to it,
holding the status, stage and review dates that `Claim.apply_updates()` sets (computed with the
claim's own `timeline()` and `set_reviewed()`, so the two cannot disagree), and with every
history row its many-to-many sets, as simple-history stores them.

Dates are fixed, not relative to today, so that a seed's data does not change from day to day:
sources are published from START on, and updates take effect no later than LATEST.
"""

import contextlib
import datetime
import gc
import itertools
import operator
import queue
import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models import (
    Actor,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Confidence,
    Evidence,
    Scale,
    Source,
    Stage,
    Topic,
    Track,
    Update,
    bump_revision,
    stamp,
    text_hash,
)

ACCOUNT = "synthetic"  # the account that history rows and updates name
CLAIMS_PER_SOURCE = 100
BATCH_SIZE = 2000  # claims generated and written together
START = datetime.date(2024, 1, 1)  # the first day a synthetic source can be published
LATEST = datetime.date(2026, 9, 30)  # the last day an update can take effect
PUBLISHED_WITHIN = 800  # days after START that sources are published in

KIND_WEIGHTS = {ClaimKind.ASSERTION: 38, ClaimKind.ANALYSIS: 27, ClaimKind.PREDICTION: 20, ClaimKind.POSITION: 15}
VERACITY_WEIGHTS = {
    ClaimStatus.ACCURATE: 40,
    ClaimStatus.MOSTLY_ACCURATE: 25,
    ClaimStatus.MIXED: 12,
    ClaimStatus.INACCURATE: 8,
    ClaimStatus.UNVERIFIABLE: 10,
}
OPEN_WEIGHTS = {ClaimStatus.IN_PROGRESS: 75, ClaimStatus.STALLED: 25}
FINAL_WEIGHTS = {
    ClaimStatus.FULFILLED: 35,
    ClaimStatus.PARTLY_FULFILLED: 20,
    ClaimStatus.NOT_FULFILLED: 35,
    ClaimStatus.VOID: 10,
}
# Updates per claim around --updates-per-claim K: K-1, K, K+1 or K+2 (a mean of K).
UPDATE_SPREAD = {-1: 30, 0: 47, 1: 19, 2: 4}
CORRECTION_SHARE = 0.08  # of updates after a claim's first: a correction of the one before
RELATION_SHARE = 0.3  # of claims after a source's first: related to an earlier claim of the source
RELATION_WEIGHTS = {
    ClaimRelation.Kind.DEPENDS_ON: 45,
    ClaimRelation.Kind.SUPPORTS: 40,
    ClaimRelation.Kind.CONTRADICTS: 15,
}
# How an update's evidence bears on the claim, by the status it gives; other evidence is context.
BEARINGS = {
    **dict.fromkeys(
        [ClaimStatus.ACCURATE, ClaimStatus.MOSTLY_ACCURATE, ClaimStatus.IN_PROGRESS, ClaimStatus.FULFILLED,
         ClaimStatus.PARTLY_FULFILLED],
        Evidence.Bearing.SUPPORTS,
    ),
    **dict.fromkeys([ClaimStatus.INACCURATE, ClaimStatus.STALLED, ClaimStatus.NOT_FULFILLED], Evidence.Bearing.CONTRADICTS),
}  # fmt: skip
PROGRESS_KINDS = Scale.PROGRESS.kinds

MONTHS = "January February March April May June July August September October November December".split()

# The phrase vocabulary the essays are written from. Keys name catalogue records (seeds/catalogue.toml):
# a loaded catalogue's records are used where they exist; an empty database gets "synthetic-<key>" ones.
# (key, Chinese, English, actor kind)
SUBJECTS = [
    ("japanese-government", "日本政府", "the Japanese government", Actor.Kind.GOVERNMENT),
    ("takaichi-sanae", "高市首相", "Prime Minister Takaichi", Actor.Kind.PERSON),
    ("united-states", "美國", "the United States", Actor.Kind.COUNTRY),
    ("white-house", "白宮", "the White House", Actor.Kind.GOVERNMENT),
    ("china", "中國", "China", Actor.Kind.COUNTRY),
    ("south-korea", "韓國", "South Korea", Actor.Kind.COUNTRY),
    ("taiwan", "臺灣", "Taiwan", Actor.Kind.COUNTRY),
    ("liberal-democratic-party", "自民黨", "the Liberal Democratic Party", Actor.Kind.PARTY),
    ("national-diet", "日本國會", "the National Diet", Actor.Kind.GOVERNMENT),
    ("japan-self-defense-forces", "自衛隊", "the Self-Defense Forces", Actor.Kind.ORGANISATION),
    ("japan", "日本", "Japan", Actor.Kind.COUNTRY),
    ("north-korea", "北韓", "North Korea", Actor.Kind.COUNTRY),
    ("australia", "澳洲", "Australia", Actor.Kind.COUNTRY),
    ("philippines", "菲律賓", "the Philippines", Actor.Kind.COUNTRY),
    ("taiwan-mofa", "中華民國外交部", "Taiwan's Ministry of Foreign Affairs", Actor.Kind.GOVERNMENT),
]
# (Chinese, English infinitive, English past, track key or None, topic key)
PREDICATES = [
    ("增加國防預算", "increase the defence budget", "increased the defence budget", "defence-spending", "defence-policy"),
    ("推動修憲議程", "push the constitutional amendment agenda", "pushed the constitutional amendment agenda", "constitutional-revision", "constitutional-revision"),
    ("放寬武器出口規則", "relax the arms-export rules", "relaxed the arms-export rules", "arms-export-rules", "defence-policy"),
    ("強化反擊能力", "strengthen counterstrike capability", "strengthened counterstrike capability", "counterstrike-capability", "defence-policy"),
    ("檢討非核三原則", "review the three non-nuclear principles", "reviewed the three non-nuclear principles", "non-nuclear-principles", "defence-policy"),
    ("推動自衛隊更名為國防軍", "rename the Self-Defense Forces as a National Defense Force", "renamed the Self-Defense Forces as a National Defense Force", "sdf-renaming", "constitutional-revision"),
    ("擴大聯合軍事演習", "expand joint military exercises", "expanded joint military exercises", None, "northeast-asian-security"),
    ("深化經濟安全合作", "deepen economic-security cooperation", "deepened economic-security cooperation", None, "economic-security"),
    ("在東海增加海空巡邏", "step up air and sea patrols in the East China Sea", "stepped up air and sea patrols in the East China Sea", None, "japan-china-relations"),
    ("召開領袖峰會", "hold a leaders' summit", "held a leaders' summit", None, "japan-us-alliance"),
    ("簽署關鍵礦產協議", "sign a critical-minerals agreement", "signed a critical-minerals agreement", None, "economic-security"),
    ("加強對臺灣的安全承諾", "strengthen security commitments to Taiwan", "strengthened security commitments to Taiwan", None, "taiwan-strait"),
    ("加強飛彈防禦部署", "reinforce missile-defence deployments", "reinforced missile-defence deployments", None, "northeast-asian-security"),
    ("擴大半導體投資", "expand semiconductor investment", "expanded semiconductor investment", None, "economic-security"),
    ("恢復高層外交對話", "resume high-level diplomatic dialogue", "resumed high-level diplomatic dialogue", None, "japan-china-relations"),
    ("限制稀土出口", "restrict rare-earth exports", "restricted rare-earth exports", None, "economic-security"),
    ("承諾擴大對美投資", "pledge more investment in the United States", "pledged more investment in the United States", None, "japan-us-alliance"),
    ("推動美日韓三邊安保合作", "advance US–Japan–South Korea security cooperation", "advanced US–Japan–South Korea security cooperation", None, "us-japan-rok-cooperation"),
    ("保障荷莫茲海峽的航運安全", "secure shipping through the Strait of Hormuz", "secured shipping through the Strait of Hormuz", None, "energy-security"),
    ("調整對中經貿政策", "adjust trade policy towards China", "adjusted trade policy towards China", None, "us-china-relations"),
]  # fmt: skip
# (key, Chinese, English): the topics an empty database gets
TOPICS = [
    ("defence-policy", "日本防衛政策", "Japan's defence policy"),
    ("constitutional-revision", "日本修憲", "Japan's constitutional revision"),
    ("northeast-asian-security", "東北亞安全", "Northeast Asian security"),
    ("economic-security", "經濟安全與供應鏈", "Economic security and supply chains"),
    ("japan-china-relations", "日中關係", "Japan–China relations"),
    ("japan-us-alliance", "美日同盟", "Japan–US alliance"),
    ("taiwan-strait", "臺海安全", "Taiwan Strait security"),
    ("us-japan-rok-cooperation", "美日韓安保合作", "US–Japan–South Korea security cooperation"),
    ("energy-security", "能源安全", "Energy security"),
    ("us-china-relations", "美中關係", "US–China relations"),
]
# (key, Chinese, English, [(stage Chinese, stage English), ...]): the tracks an empty database gets
TRACKS = [
    ("constitutional-revision", "日本修憲", "Japan's constitutional amendment", [
        ("尚無正式步驟", "No formal step"), ("政黨草案", "Party draft"), ("憲法審查會審議", "Deliberation in the Commissions"),
        ("兩院三分之二發議", "Initiation by two-thirds of both houses"), ("國民投票", "National referendum"), ("公布", "Promulgation"),
    ]),
    ("defence-spending", "日本防衛支出占GDP比重", "Japan's defence spending as a share of GDP", [
        ("低於1.5%", "Below 1.5%"), ("1.5%至2%", "1.5% to 2%"), ("達到2%", "2% reached"), ("超過2%", "Above 2%"),
    ]),
    ("arms-export-rules", "日本武器出口規範鬆綁", "Loosening of Japan's arms-export rules", [
        ("現行規範", "Current rules"), ("執政黨協議", "Coalition talks"), ("內閣決定", "Cabinet decision"), ("首批出口", "First exports"),
    ]),
    ("counterstrike-capability", "對敵攻擊（反擊）能力", "Counterstrike capability", [
        ("政策決定", "Policy decision"), ("預算編列", "Budgeted"), ("裝備採購", "Equipment procured"), ("部署完成", "Deployed"),
    ]),
    ("sdf-renaming", "自衛隊改名為國防軍", "Renaming the Self-Defense Forces", [
        ("尚無正式步驟", "No formal step"), ("政黨提案", "Party proposal"), ("法案提出", "Bill introduced"), ("完成更名", "Renamed"),
    ]),
    ("non-nuclear-principles", "非核三原則", "Three non-nuclear principles", [
        ("維持原則", "Principles kept"), ("政府檢討", "Government review"), ("修改原則", "Principles revised"),
    ]),
]  # fmt: skip
# (Chinese, English): what an analysis gives as the cause
REASONS = [
    ("中國的軍事壓力持續升高", "mounting Chinese military pressure"),
    ("美國要求盟國分擔更多防衛責任", "US demands that allies carry more of the defence burden"),
    ("執政黨在國會的席次趨於穩定", "the governing party's steadier position in parliament"),
    ("區域安全環境急遽惡化", "the sharp deterioration of the regional security environment"),
    ("經濟安全已成為首要議題", "economic security having become the top priority"),
    ("北韓頻繁試射飛彈", "North Korea's frequent missile tests"),
    ("美中競爭日益激烈", "intensifying US–China competition"),
    ("能源供應鏈面臨中斷風險", "the risk of disruption to energy supply chains"),
]
# (Chinese modal, confidence): a prediction's wording and the band it puts the prediction in
MODALS = [
    ("必將", Confidence.NEAR_CERTAIN),
    ("將", Confidence.LIKELY),
    ("將", Confidence.LIKELY),
    ("可望", Confidence.LIKELY),
    ("可能", Confidence.TOSS_UP),
    ("或許", Confidence.TOSS_UP),
    ("恐難", Confidence.UNLIKELY),
    ("未必能", Confidence.UNLIKELY),
    ("不可能", Confidence.REMOTE),
]
# (Chinese, English): how a position is attributed
STANCES = [
    ("主張", "advocates moves to"),
    ("堅持", "insists on the need to"),
    ("承諾", "has pledged to"),
    ("計畫", "plans to"),
    ("表態支持", "has come out in favour of moves to"),
]
FILLERS = [
    "以下分三點說明",
    "值得注意的是，各方說法仍有出入",
    "此一發展值得持續觀察",
    "然而，情勢並非一成不變",
    "換言之，東北亞的安全格局正在重組",
    "這一點在過去並不常見",
    "對此，各國反應不一",
    "短期內仍難以看出明確方向",
    "從歷史經驗來看，類似情況並非首次出現",
]
# (Chinese, English) publishers of the essays; fictional, like everything else here
PUBLISHERS = [
    ("東亞戰略研究中心", "East Asia Strategy Research Centre", "eastasia-strategy"),
    ("太平洋安全論壇", "Pacific Security Forum", "pacific-security"),
    ("臺北國際事務研究院", "Taipei Institute of International Affairs", "taipei-iia"),
    ("海洋政策研究所", "Institute for Maritime Policy", "maritime-policy"),
    ("印太觀察", "Indo-Pacific Observer", "indopacific-observer"),
]
# (Chinese, English, host label) publishers of the evidence
OUTLETS = [
    ("東亞通訊社", "East Asia Wire", "eastasiawire"),
    ("太平洋日報", "Pacific Daily", "pacificdaily"),
    ("國際政策週刊", "Policy Weekly", "policyweekly"),
    ("亞洲新聞網", "Asia News Network", "asianews"),
    ("政府公報", "Government Gazette", "gazette"),
]
SURNAMES = [
    ("陳", "Chen"),
    ("林", "Lin"),
    ("黃", "Huang"),
    ("張", "Chang"),
    ("李", "Lee"),
    ("王", "Wang"),
    ("吳", "Wu"),
    ("蔡", "Tsai"),
]
GIVEN_NAMES = [
    ("志明", "Chih-ming"),
    ("淑芬", "Shu-fen"),
    ("建宏", "Chien-hung"),
    ("雅婷", "Ya-ting"),
    ("俊傑", "Chun-chieh"),
    ("怡君", "Yi-chun"),
]
TITLES = [
    ("{topic}的新局與挑戰", "New developments and challenges in {topic}"),
    ("從{topic}看東北亞安全", "Northeast Asian security through the lens of {topic}"),
    ("{topic}：回顧與展望", "{topic}: a review and outlook"),
]
RATIONALES = {
    ClaimStatus.ACCURATE: ("{outlet}於{date_zh}的報導與主張相符。", "{outlet}'s report of {date_en} matches what the claim states."),
    ClaimStatus.MOSTLY_ACCURATE: ("{outlet}於{date_zh}的報導大致證實主張，但補充了文章未提及的細節。", "{outlet}'s report of {date_en} confirms the claim, with details the essay leaves out."),
    ClaimStatus.MIXED: ("{outlet}於{date_zh}的報導證實主張的一部分，也與另一部分相矛盾。", "{outlet}'s report of {date_en} confirms part of the claim and contradicts another part."),
    ClaimStatus.INACCURATE: ("{outlet}於{date_zh}的報導與主張相反。", "{outlet}'s report of {date_en} contradicts the claim."),
    ClaimStatus.UNVERIFIABLE: ("截至{date_zh}，沒有公開紀錄能證實或否定此一主張。", "No public record available by {date_en} confirms or refutes the claim."),
    ClaimStatus.IN_PROGRESS: ("{outlet}於{date_zh}報導，相關步驟正在進行。", "{outlet} reported on {date_en} that steps towards the outcome are under way."),
    ClaimStatus.STALLED: ("{outlet}於{date_zh}的報導顯示，自上次檢視以來並無進展。", "{outlet}'s report of {date_en} shows no movement since the last review."),
    ClaimStatus.FULFILLED: ("{outlet}於{date_zh}報導，結果一如主張所言。", "{outlet} reported on {date_en} that the outcome happened as the claim said."),
    ClaimStatus.PARTLY_FULFILLED: ("{outlet}於{date_zh}的報導顯示，結果僅部分實現。", "{outlet}'s report of {date_en} shows that the outcome happened in part."),
    ClaimStatus.NOT_FULFILLED: ("{outlet}於{date_zh}的報導顯示，結果未在期限內實現。", "{outlet}'s report of {date_en} shows that the outcome did not happen in time."),
    ClaimStatus.VOID: ("{outlet}於{date_zh}報導，主張的前提已不存在。", "{outlet} reported on {date_en} that a premise of the claim fell away."),
}  # fmt: skip
STAGE_RATIONALE = (
    "{outlet}於{date_zh}的報導說明了程序的進展。",
    "{outlet}'s report of {date_en} shows where the process stands.",
)


def source_sizes(claims):
    """The number of claims of each source: CLAIMS_PER_SOURCE, and what is left over in the last.

    Every source but the last is the same whatever the number of claims, so that data sets of
    different sizes made with one seed begin with the same sources.
    """
    full, rest = divmod(claims, CLAIMS_PER_SOURCE)
    return [CLAIMS_PER_SOURCE] * full + ([rest] if rest else [])


def source_slug(seed, number):
    return f"synthetic-{seed}-{number}"


def reason_for(seed):
    return f"Generated by generate_synthetic --seed {seed}"


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Weights:
    """A weighted draw prepared once, for the draws made for every claim."""

    def __init__(self, weights):
        self.items = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def draw(self, rng):
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


DRAW_KIND = Weights(KIND_WEIGHTS)
DRAW_VERACITY = Weights(VERACITY_WEIGHTS)
DRAW_OPEN = Weights(OPEN_WEIGHTS)
DRAW_FINAL = Weights(FINAL_WEIGHTS)
DRAW_SPREAD = Weights(UPDATE_SPREAD)
DRAW_RELATION = Weights(RELATION_WEIGHTS)


def date_zh(day):
    return f"{day.year}年{day.month}月{day.day}日"


def date_en(day):
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def capitalised(text):
    return text[:1].upper() + text[1:]


def end_of_month(year, month):
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def moment(day, minutes=0, zone=None):
    """`minutes` after midnight of `day`, in the site's time zone (or `zone`), as the database stores it."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone or timezone.get_current_timezone())
    return start + datetime.timedelta(minutes=minutes)


@dataclass
class Sentence:
    """One sentence of an essay, and the claim it makes, if any."""

    text: str  # without the closing 。
    quote: str = ""  # the claim's words: the whole sentence, or the clause after its first comma
    quote_offset: int = 0  # where the quote starts in the sentence
    kind: str = ""
    text_en: str = ""
    text_zh_hant: str = ""
    subject: tuple = ()
    predicate: tuple = ()
    event_on: datetime.date | None = None
    due_on: datetime.date | None = None
    confidence: str = ""
    resolution_criteria: str = ""
    resolution_criteria_zh_hant: str = ""


def claim_sentence(rng, kind, published):
    """A sentence making a claim of `kind` in an essay published on `published`, with the claim's propositions."""
    subject, predicate = rng.choice(SUBJECTS), rng.choice(PREDICATES)
    s_zh, s_en, p_zh, p_en, p_past = subject[1], subject[2], predicate[0], predicate[1], predicate[2]
    sentence = Sentence(text="", kind=kind, subject=subject, predicate=predicate)
    if kind == ClaimKind.ASSERTION:
        day = published - datetime.timedelta(days=rng.randint(3, 200))
        sentence.event_on = day
        template = rng.randrange(3)
        if template == 0:
            sentence.text = f"{date_zh(day)}，{s_zh}宣布{p_zh}"
            sentence.text_en = f"On {date_en(day)}, {s_en} announced plans to {p_en}."
        elif template == 1:
            sentence.text = f"{s_zh}已於{date_zh(day)}正式決定{p_zh}"
            sentence.text_en = f"{capitalised(s_en)} formally decided on {date_en(day)} to {p_en}."
        else:
            sentence.text = f"根據官方資料，{s_zh}在{date_zh(day)}{p_zh}"
            sentence.text_en = f"{capitalised(s_en)} {p_past} on {date_en(day)}."
        sentence.text_zh_hant = f"{s_zh}於{date_zh(day)}{'宣布' if template == 0 else ''}{p_zh}。"
    elif kind == ClaimKind.ANALYSIS:
        r_zh, r_en = rng.choice(REASONS)
        template = rng.randrange(3)
        if template == 0:
            sentence.text = f"{r_zh}，使{s_zh}更有空間{p_zh}"
            sentence.text_en = f"{capitalised(r_en)} gives {s_en} more room to {p_en}."
            sentence.text_zh_hant = f"{r_zh}，使{s_zh}更有空間{p_zh}。"
        elif template == 1:
            sentence.text = f"{s_zh}之所以{p_zh}，主要是因為{r_zh}"
            sentence.text_en = f"{capitalised(s_en)} is moving to {p_en} mainly because of {r_en}."
            sentence.text_zh_hant = f"{s_zh}{p_zh}的主因是{r_zh}。"
        else:
            sentence.text = f"{s_zh}{p_zh}的動向，反映出{r_zh}"
            sentence.text_en = f"The move by {s_en} to {p_en} reflects {r_en}."
            sentence.text_zh_hant = f"{s_zh}{p_zh}的動向反映出{r_zh}。"
    elif kind == ClaimKind.PREDICTION:
        modal, sentence.confidence = rng.choice(MODALS)
        months = published.month + rng.randint(6, 30)
        due = end_of_month(published.year + (months - 1) // 12, (months - 1) % 12 + 1)
        due_zh, due_en = f"{due.year}年{due.month}月底", f"the end of {MONTHS[due.month - 1]} {due.year}"
        sentence.due_on = due
        opening = rng.choice(["", "若情勢不變，", "整體而言，"])
        sentence.text = f"{opening}{s_zh}{modal}在{due_zh}前{p_zh}"
        sentence.text_en = f"{capitalised(s_en)} will {p_en} by {due_en}."
        sentence.text_zh_hant = f"{s_zh}將在{due_zh}前{p_zh}。"
        sentence.resolution_criteria = (
            f"Fulfilled if official announcements or credible reports show that, by {due_en}, {s_en} "
            f"has taken the formal steps to {p_en}."
        )
        sentence.resolution_criteria_zh_hant = (
            f"若在{due_zh}前，官方公告或可信報導顯示{s_zh}已正式採取行動{p_zh}，即視為實現。"
        )
    else:
        stance_zh, stance_en = rng.choice(STANCES)
        if rng.random() < 0.5:
            sentence.text = f"{s_zh}{stance_zh}{p_zh}"
        else:
            sentence.text = f"{s_zh}在近期的談話中，{stance_zh}{p_zh}"
        sentence.text_en = f"{capitalised(s_en)} {stance_en} {p_en}."
        sentence.text_zh_hant = f"{s_zh}{stance_zh}{p_zh}。"
    head, comma, tail = sentence.text.partition("，")
    # Some claims quote a clause, as analysts often do: the words after the sentence's first comma.
    if comma and len(tail) >= 6 and rng.random() < 0.2:
        sentence.quote, sentence.quote_offset = tail, len(head) + 1
    else:
        sentence.quote = sentence.text
    return sentence


def essay(rng, title, author, affiliation, published, size):
    """The text of an essay making `size` claims: (text, [(sentence, start of its quote)]) in reading order."""
    sentences = []
    for _index in range(size):
        if rng.random() < 0.25:
            sentences.append(Sentence(text=rng.choice(FILLERS)))
        sentences.append(claim_sentence(rng, DRAW_KIND.draw(rng), published))
    parts = [f"{title}\n\n{author}\n\n{affiliation}\n\n"]
    position = len(parts[0])
    anchored = []
    paragraph_left = rng.randint(3, 6)
    for index, sentence in enumerate(sentences):
        if sentence.quote:
            anchored.append((sentence, position + sentence.quote_offset))
        piece = sentence.text + "。"
        paragraph_left -= 1
        if paragraph_left == 0 and index < len(sentences) - 1:
            piece += "\n\n"
            paragraph_left = rng.randint(3, 6)
        parts.append(piece)
        position += len(piece)
    return "".join(parts) + "\n", anchored


# The column types `Table` writes, each a value that PostgreSQL's COPY and SQLite take as it is (dates aside).
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "CharField", "TextField", "SlugField", "BooleanField",
    "DateField", "DateTimeField", "ForeignKey", "OneToOneField",
}  # fmt: skip


class Table:
    """How rows of one model are written in bulk: binary COPY on PostgreSQL, one executemany on SQLite.

    bulk_create compiles every value through its field, some 9 µs a value, which at about
    twenty history rows a claim caps a run at a few hundred claims a second. The values here
    are built by this module in the types the columns hold, so only what the ORM itself would
    adapt is adapted (dates and times, on SQLite), and a model that gains a column of another
    type stops the run instead of being written wrongly.
    """

    _tables = {}

    @classmethod
    def of(cls, model):
        if model not in cls._tables:
            cls._tables[model] = cls(model)
        return cls._tables[model]

    def __init__(self, model):
        self.model = model
        fields = model._meta.concrete_fields
        for field in fields:
            if field.get_internal_type() not in PLAIN_TYPES:
                raise TypeError(
                    f"{model.__name__}.{field.name}: a {field.get_internal_type()} is not written by Table."
                )
        self.attnames = [field.attname for field in fields]
        self.values = operator.itemgetter(*self.attnames)
        # Every column gets its default first, so that a row names only what it sets.
        self.blank = {field.attname: None if field.primary_key else field.get_default() for field in fields}
        self.stamped = [
            field.attname
            for field in fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        ]
        self.adapters = [
            (index, connection.ops.adapt_datetimefield_value if kind == "DateTimeField" else connection.ops.adapt_datefield_value)
            for index, kind in enumerate(field.get_internal_type() for field in fields)
            if kind in ("DateField", "DateTimeField")
        ]  # fmt: skip
        # The columns' types, for a binary COPY: "varchar(300)" is a varchar, "integer" an integer.
        self.types = [field.db_type(connection).split("(")[0] for field in fields]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in fields)

    def row(self, values, now):
        """A new row: every column's default, the stamp `now` where the model stamps one, then `values`."""
        row = dict(self.blank)
        for attname in self.stamped:
            row[attname] = now
        row.update(values)
        return row

    def insert(self, rows, cursor):
        """Insert `rows` (dicts with a value for every attname) through `cursor`: a psycopg cursor on PostgreSQL,
        Django's elsewhere."""
        values = self.values
        if connection.vendor == "postgresql":
            # Binary: a third of the text format's work for psycopg (dates and times above all), and less for the server.
            with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(self.types)
                for row in rows:
                    copy.write_row(values(row))
        else:
            placeholders = ", ".join(["%s"] * len(self.attnames))
            cursor.executemany(
                f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})",
                [self.adapted(values(row)) for row in rows],
            )

    def adapted(self, values):
        if not self.adapters:
            return values
        values = list(values)
        for index, adapt in self.adapters:
            if values[index] is not None:
                values[index] = adapt(values[index])
        return values


def new(model, row):
    """An unsaved model instance over `row`, whose methods the generator calls (Claim.timeline(), set_reviewed()).

    Built without Model.__init__, whose per-field work would cost more than writing the row; `row`
    becomes its __dict__, so what the methods set is what is written, and as `row` has every column
    (its default unless given), no attribute is deferred and read with a query.
    """
    instance = model.__new__(model)
    instance.__dict__ = row
    instance._state = ModelState()
    return instance


def history_model(model):
    return model.history.model


def m2m_history_models(model):
    """{field name: the model of its history rows} for the many-to-many fields a model's history tracks."""
    return {field.name: HistoricalRecords.m2m_models[field] for field in history_model(model)._history_m2m_fields}


# The models rows are written to, in an order that inserts every row after those it points to.
MODELS = [
    Source,
    Claim,
    Claim.actors.through,
    Claim.topics.through,
    Evidence,
    Update,
    Update.evidence.through,
    ClaimRelation,
]
HISTORY_MODELS = [Source, Claim, Evidence, Update, ClaimRelation]


def written_models():
    """Every table a run writes to, its own and the history tables, in insertion order."""
    tables = list(MODELS)
    for model in HISTORY_MODELS:
        tables.append(history_model(model))
        tables.extend(m2m_history_models(model).values())
    return tables


class Ids:
    """Primary keys handed out in order, after the largest stored one, so that rows link without a query."""

    def __init__(self, models):
        self.next = {}
        for model in models:
            name = model._meta.pk.attname
            top = model._base_manager.aggregate(top=Max(name))["top"]
            self.next[model] = (top or 0) + 1

    def take(self, model):
        key = self.next[model]
        self.next[model] = key + 1
        return key


@dataclass
class Vocabulary:
    """The actors, topics and tracks claims name: the stored ones, or a small synthetic set in an empty database."""

    actors: dict  # slug: Actor
    topics: dict  # slug: Topic
    tracks: dict  # slug: Track, each with `ladder`, its stages in order
    created: Counter

    @classmethod
    def load_or_create(cls, account, reason, when):
        created = Counter()

        def save(instance):
            stamp(instance, account, reason)
            instance._history_date = when  # before any synthetic essay, which names it
            instance.save()
            created[f"{type(instance).__name__.lower()}s"] += 1
            return instance

        if not Actor.objects.exists():
            for key, name, name_en, kind in SUBJECTS:
                save(Actor(slug=f"synthetic-{key}", name=name, name_en=capitalised(name_en), kind=kind))
        if not Topic.objects.exists():
            for key, name, name_en in TOPICS:
                save(Topic(slug=f"synthetic-{key}", name=name, name_en=name_en))
        if not Stage.objects.exists():
            for key, name, name_en, ladder in TRACKS:
                track = save(Track(slug=f"synthetic-{key}", name=name, name_en=name_en))
                for position, (stage, stage_en) in enumerate(ladder, start=1):
                    save(Stage(track=track, position=position, slug=f"stage-{position}", name=stage, name_en=stage_en))
        tracks = {}
        for track in Track.objects.prefetch_related("stages").order_by("slug"):
            track.ladder = sorted(track.stages.all(), key=lambda stage: stage.position)
            if track.ladder:
                tracks[track.slug] = track
        return cls(
            actors={actor.slug: actor for actor in Actor.objects.order_by("slug")},
            topics={topic.slug: topic for topic in Topic.objects.order_by("slug")},
            tracks=tracks,
            created=created,
        )

    @staticmethod
    def find(records, key):
        return records.get(key) or records.get(f"synthetic-{key}")


class Writer:
    """Writes batches of rows in the run's transaction.

    On PostgreSQL a thread of its own streams them with COPY over the run's connection, so that
    the database takes in one batch while the next one is generated: the two share the machine's
    cores instead of taking turns. The run makes no query of its own until `close()`.
    """

    def __init__(self):
        self.threaded = connection.vendor == "postgresql"
        self.written = Counter()  # model: rows written
        self.claims = 0  # claims whose batch is written
        self.error = None
        if self.threaded:
            connection.ensure_connection()
            self.queue = queue.Queue(maxsize=1)  # one batch waiting while one is written
            self.thread = threading.Thread(target=self.run, args=(connection.connection,), daemon=True)
            self.thread.start()

    def put(self, tables, claims):
        """Write `tables` ([(Table, rows), ...], in order), which hold `claims` claims."""
        if not self.threaded:
            with connection.cursor() as cursor:
                self.write(tables, claims, cursor)
            return
        self.hand_over((tables, claims))

    def hand_over(self, item):
        while self.thread.is_alive():
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise self.error or RuntimeError("the writer stopped")

    def close(self, raise_error=True):
        """Wait until everything handed over is written; raise what stopped the writer, if anything did."""
        if self.threaded and self.thread.is_alive():
            with contextlib.suppress(Exception):
                self.hand_over(None)
            self.thread.join()
        if raise_error and self.error is not None:
            raise self.error

    def run(self, raw_connection):
        try:
            with raw_connection.cursor() as cursor:
                while (item := self.queue.get()) is not None:
                    self.write(*item, cursor)
        except BaseException as error:  # handed to the run's thread, which rolls the transaction back
            self.error = error

    def write(self, tables, claims, cursor):
        for table, rows in tables:
            if rows:
                table.insert(rows, cursor)
                self.written[table.model] += len(rows)
        self.claims += claims


class Batch:
    """The rows of a few sources, and the history rows to write after them."""

    def __init__(self, run):
        self.run = run
        self.rows = defaultdict(list)  # model: row dicts
        self.history = defaultdict(list)  # model: (row, when, type, changed values, {m2m field: link rows})
        self.claims = 0

    def add(self, model, values):
        """A new row of `model`, with its primary key ("id"): a dict, the row as it will be written."""
        row = Table.of(model).row(values, self.run.now)
        row["id"] = self.run.ids.take(model)
        self.rows[model].append(row)
        return row

    def add_instance(self, model, values):
        """A new row of `model` as a model instance, for the model's methods; its __dict__ is the row."""
        return new(model, self.add(model, values))

    def record(self, row, when, kind="+", changes=None, m2m=None, model=None):
        """A history row of `row` (a dict or an instance) at `when`, with `changes` over its values as written."""
        if model is None:
            model, row = type(row), row.__dict__
        self.history[model].append((row, when, kind, changes or {}, m2m or {}))

    def tables(self):
        """[(Table, rows), ...] in the order they are to be written: the records, then their history."""
        tables = [(Table.of(model), self.rows[model]) for model in MODELS]
        ids, user, reason = self.run.ids, self.run.account.pk, self.run.reason
        for model in HISTORY_MODELS:
            historical = history_model(model)
            m2m_models = m2m_history_models(model)
            rows, m2m_rows = [], defaultdict(list)
            for row, when, kind, changes, m2m in self.history[model]:
                # A history row holds the record's fields as they were: the row as written, then `changes`.
                values = {**row, **changes}
                values["history_id"] = history_id = ids.take(historical)
                values.update(history_date=when, history_type=kind, history_user_id=user, history_change_reason=reason)
                rows.append(values)
                # simple-history stores the many-to-many sets with every history row of the record:
                # a copy of each link row (its id and both keys) pointing at the history row.
                for name, links in m2m.items():
                    m2m_model = m2m_models[name]
                    m2m_rows[m2m_model].extend(
                        {**link, "history_id": history_id, "m2m_history_id": ids.take(m2m_model)} for link in links
                    )
            tables.append((Table.of(historical), rows))
            tables.extend((Table.of(m2m_model), m2m_rows[m2m_model]) for m2m_model in m2m_models.values())
        return tables


def written_foreign_keys(cursor):
    """The foreign keys of the tables a run writes (PostgreSQL): (table, name, definition, table it points to)."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), confrelid::regclass::text
        FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2
        """,
        [[model._meta.db_table for model in written_models()]],
    )
    return cursor.fetchall()


class SyntheticRun:
    """One run of the generator, used as a context manager: `write()` adds sources, in batches.

    On PostgreSQL the foreign keys of the tables written are dropped when the run begins and added
    back when it ends, in its transaction, as PostgreSQL's manual advises for a bulk load: adding a
    key checks every row in one join, where a key in place checks each row as it is written, and
    locks the row it points to (every history row points to the generator's account). A row that
    points nowhere fails the run when its key is added back, and the rollback leaves the keys and
    the tables as they were. Until the run commits, the tables written and the tables they point to
    (the accounts among them) are closed to readers too.
    """

    def __init__(self, *, seed, updates_per_claim, heavy_claim_history, account, vocabulary, now=None):
        self.seed = seed
        self.updates_per_claim = updates_per_claim
        self.heavy_claim_history = heavy_claim_history
        self.account = account
        self.vocabulary = vocabulary
        self.reason = reason_for(seed)
        self.now = now or timezone.now()
        self.zone = timezone.get_current_timezone()
        # A month before today, so that every date (a correction is recorded some days later) is in the past.
        self.latest = min(LATEST, timezone.localdate(self.now, self.zone) - datetime.timedelta(days=30))
        # Updates are recorded by then (but for a minute each, to keep their order), whatever their number.
        self.recorded_by = moment(self.latest + datetime.timedelta(days=25), 0, self.zone)
        self.ids = Ids(written_models())
        self.corrections = 0
        self.heavy_claim = None
        self.writer = None

    def __enter__(self):
        for model in written_models():
            Table.of(model)  # now, while the run's thread is the only one using the connection
        self.foreign_keys = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a table with checks pending cannot be altered
                # Adding a key back reads its whole table, earlier runs' rows included: no statement timeout.
                cursor.execute("SET LOCAL statement_timeout = 0")
                self.foreign_keys = [row[:3] for row in written_foreign_keys(cursor)]
                for table, name, _definition in self.foreign_keys:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        self.writer = Writer()
        # The rows are dicts and lists without cycles, freed as soon as they are written; the cyclic
        # collector would only walk the millions of them, a third of the Python time at 100,000 claims.
        self.collecting = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, kind, error, traceback):
        try:
            self.writer.close(raise_error=kind is None)  # an error of the run's own goes first
        finally:
            if self.collecting:
                gc.enable()
        if kind is None:
            with connection.cursor() as cursor:
                for table, name, definition in self.foreign_keys:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys, as they were

    @property
    def written(self):
        return self.writer.written

    @property
    def claims_written(self):
        return self.writer.claims

    @property
    def history_rows(self):
        return sum(count for model, count in self.written.items() if model not in MODELS)

    def write(self, sources):
        """Generate the sources `sources` ([(number, claims), ...]) with all they hold, and hand them to the writer."""
        batch = Batch(self)
        for number, size in sources:
            self.add_source(batch, number, size)
        self.writer.put(batch.tables(), sum(size for _number, size in sources))

    def finish(self):
        """Move the data revision on (COPY sends no signal), the id sequences past the ids this run set itself
        (PostgreSQL; SQLite follows by itself), and gather the planner's statistics of the tables written, as after any bulk load: without them PostgreSQL
        guesses, and reads an update's evidence links, for one, by scanning all 200,000 of them."""
        bump_revision()  # the public pages and their cache see the new data once the run commits
        statements = connection.ops.sequence_reset_sql(no_style(), written_models())
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            if connection.vendor == "postgresql":
                for model in written_models():
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def add_source(self, batch, number, size):
        rng = random.Random(f"generate_synthetic:{self.seed}:{number}")
        published = START + datetime.timedelta(days=rng.randint(0, PUBLISHED_WITHIN))
        publisher, publisher_en, host = rng.choice(PUBLISHERS)
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
        topic = rng.choice(TOPICS)
        title, title_en = rng.choice(TITLES)
        title, title_en = title.format(topic=topic[1]), title_en.format(topic=topic[2])
        author, affiliation = surname[0] + given[0], f"{publisher}研究員"
        text, anchored = essay(rng, title, author, affiliation, published, size)
        created = moment(published, 8 * 60, self.zone)
        source = batch.add(Source, {
            "slug": source_slug(self.seed, number), "title": title, "title_en": title_en, "author": author,
            "author_en": f"{surname[1]} {given[1]}", "author_affiliation": affiliation,
            "author_affiliation_en": f"Research Fellow, {publisher_en}", "publisher": publisher,
            "publisher_en": publisher_en, "url": f"https://{host}.example.org/commentary/{published:%Y%m%d}-{number}",
            "published_on": published, "language": "zh-Hant", "text": text, "content_hash": text_hash(text),
        })  # fmt: skip
        batch.record(source, created, model=Source)
        claims = []
        for claim_number, (sentence, start) in enumerate(anchored, start=1):
            heavy = self.heavy_claim_history > 0 and self.heavy_claim is None
            claim = self.add_claim(batch, rng, source, claim_number, sentence, start, created, heavy)
            if heavy:
                self.heavy_claim = claim
            if claims and rng.random() < RELATION_SHARE:
                target = rng.choice(claims[-10:])
                relation = batch.add(ClaimRelation, {
                    "from_claim_id": claim.id, "to_claim_id": target.id, "kind": DRAW_RELATION.draw(rng), "version": 1,
                })  # fmt: skip
                # Related after the claims were rated, so that no update had a dependent to flag for review.
                batch.record(relation, self.now, model=ClaimRelation)
            claims.append(claim)
        batch.claims += size

    def add_claim(self, batch, rng, source, number, sentence, start, source_created, heavy):
        subject_key, predicate = sentence.subject[0], sentence.predicate
        track = None
        if predicate[3] is not None and rng.random() < (0.8 if sentence.kind in PROGRESS_KINDS else 0.3):
            tracks = self.vocabulary.tracks
            track = Vocabulary.find(tracks, predicate[3]) or (tracks[rng.choice(list(tracks))] if tracks else None)
        claim = batch.add_instance(Claim, {
            "source_id": source["id"], "number": number, "quote": sentence.quote, "start": start,
            "end": start + len(sentence.quote), "text_en": sentence.text_en, "text_zh_hant": sentence.text_zh_hant,
            "kind": sentence.kind, "state": Claim.State.PUBLISHED, "event_on": sentence.event_on,
            "due_on": sentence.due_on, "confidence": sentence.confidence,
            "resolution_criteria": sentence.resolution_criteria,
            "resolution_criteria_zh_hant": sentence.resolution_criteria_zh_hant,
            "review_interval_days": rng.choice([14, 60, 180]) if rng.random() < 0.08 else None,
            "track_id": track.pk if track else None, "status": ClaimStatus.NOT_RATED, "version": 1,
        })  # fmt: skip
        m2m = {
            "actors": [
                batch.add(Claim.actors.through, {"claim_id": claim.id, "actor_id": actor.pk})
                for actor in self.pick(rng, self.vocabulary.actors, subject_key, 0.45)
            ],
            "topics": [
                batch.add(Claim.topics.through, {"claim_id": claim.id, "topic_id": topic.pk})
                for topic in self.pick(rng, self.vocabulary.topics, predicate[4], 0.25)
            ],
        }
        created = source_created + datetime.timedelta(minutes=rng.randint(60, 3 * 24 * 60))
        states = [(created, "+", self.state(claim))]
        updates = self.add_updates(batch, rng, claim, sentence, track, source["published_on"], created)
        for position in range(1, len(updates) + 1):
            # What Claim.apply_updates() sets once each update is recorded: from the timeline of the updates so far.
            latest = claim.timeline(updates[:position])[-1]
            claim.status, claim.stage_id = latest.status_after, latest.stage_after.pk if latest.stage_after else None
            recorded = updates[position - 1].recorded
            claim.set_reviewed(timezone.localdate(recorded, self.zone))
            claim.version += 1
            states.append((recorded + datetime.timedelta(milliseconds=2), "~", self.state(claim)))
        if heavy:
            base, when = claim.text_en, states[-1][0]
            for revision in range(1, self.heavy_claim_history - len(states) + 1):
                claim.text_en = f"{base} (revision {revision})"
                claim.version += 1
                states.append((when + datetime.timedelta(seconds=10 * revision), "~", self.state(claim)))
        for when, kind, state in states:
            batch.record(claim, when, kind, state, m2m)
        return claim

    @staticmethod
    def state(claim):
        """The claim's fields that change after it is created, as its next history row holds them."""
        return {
            "status": claim.status,
            "stage_id": claim.stage_id,
            "last_reviewed_on": claim.last_reviewed_on,
            "next_review_on": claim.next_review_on,
            "review_reason": claim.review_reason,
            "version": claim.version,
            "text_en": claim.text_en,
        }

    @staticmethod
    def pick(rng, records, key, second_share):
        """The record named by `key` (or a random one), and at times a second one."""
        if not records:
            return []
        slugs = list(records)
        first = Vocabulary.find(records, key) or records[rng.choice(slugs)]
        picked = [first]
        if rng.random() < second_share:
            second = records[rng.choice(slugs)]
            if second.pk != first.pk:
                picked.append(second)
        return picked

    def update_count(self, rng):
        if self.updates_per_claim == 0:
            return 0
        return max(0, self.updates_per_claim + DRAW_SPREAD.draw(rng))

    def add_updates(self, batch, rng, claim, sentence, track, published, created):
        """The claim's updates, each with its evidence, in the order they were recorded."""
        count = self.update_count(rng)
        if count == 0:
            return []
        scale = ClaimKind(claim.kind).scale
        ladder = track.ladder if track else []
        window = max(1, (self.latest - published).days)
        offsets = sorted(rng.randint(1, window) for _index in range(count))
        updates, rung, recorded = [], -1, created
        for index in range(count):
            previous = updates[-1] if updates else None
            if previous is not None and previous.status and rng.random() < CORRECTION_SHARE:
                # A correction: the same date and stage as the update it puts right, another status.
                effective_on, stage, is_baseline = previous.effective_on, previous.stage, previous.is_baseline
                choices = VERACITY_WEIGHTS if scale == Scale.VERACITY else {**OPEN_WEIGHTS, **FINAL_WEIGHTS}
                status = weighted(rng, {key: weight for key, weight in choices.items() if key != previous.status})
                corrects = previous
                self.corrections += 1
                recorded = self.next_recorded(recorded, recorded + datetime.timedelta(days=rng.randint(1, 10)))
            else:
                corrects, is_baseline, stage = None, False, None
                effective_on = min(self.latest, published + datetime.timedelta(days=offsets[index]))
                if ladder and index == 0 and rng.random() < 0.5:
                    # Where the process stood on the essay's date.
                    is_baseline, effective_on = True, published
                    rung = rng.randrange(max(1, len(ladder) // 2))
                    stage = ladder[rung]
                elif ladder and rung + 1 < len(ladder) and rng.random() < 0.55:
                    rung += 1
                    stage = ladder[rung]
                status = self.next_status(rng, claim, scale, effective_on, index == count - 1)
                if stage is not None and (is_baseline and scale == Scale.VERACITY or rng.random() < 0.4):
                    status = ""  # a move along the ladder alone
                lag = datetime.timedelta(minutes=rng.randint(0, 3 * 24 * 60))
                recorded = self.next_recorded(recorded, max(recorded, moment(effective_on, 9 * 60, self.zone)) + lag)
            updates.append(
                self.add_update(
                    batch, rng, claim, sentence, status, stage, effective_on, recorded, is_baseline, corrects
                )
            )
        return updates

    def next_recorded(self, previous, wanted):
        """When the next update of a claim is recorded: `wanted`, but at least a minute after `previous`, and
        no later than `recorded_by` unless the minutes take it there."""
        one_minute = datetime.timedelta(minutes=1)
        return max(previous + one_minute, min(wanted, self.recorded_by))

    @staticmethod
    def next_status(rng, claim, scale, effective_on, is_last):
        if scale == Scale.VERACITY:
            return DRAW_VERACITY.draw(rng)
        is_due = claim.due_on is not None and claim.due_on <= effective_on
        if is_last and (is_due or rng.random() < 0.3):
            return DRAW_FINAL.draw(rng)
        return DRAW_OPEN.draw(rng)

    def add_update(self, batch, rng, claim, sentence, status, stage, effective_on, recorded, is_baseline, corrects):
        outlet, outlet_en, host = rng.choice(OUTLETS)
        rationale_zh, rationale_en = RATIONALES.get(status, STAGE_RATIONALE)
        rationale_zh = rationale_zh.format(outlet=outlet, date_zh=date_zh(effective_on))
        rationale_en = rationale_en.format(outlet=outlet_en, date_en=date_en(effective_on))
        if stage is not None:
            if is_baseline:
                rationale_en += f" Baseline: on the essay's date the process stood at “{stage.name_en}”."
                rationale_zh += f"基準：文章發表時，程序處於「{stage.name}」。"
            else:
                rationale_en += f" The process now stands at “{stage.name_en}”."
                rationale_zh += f"程序現處於「{stage.name}」。"
        if corrects is not None:
            day = timezone.localdate(corrects.recorded, self.zone)
            rationale_en = f"Corrects the update recorded on {date_en(day)}, which misread the report. {rationale_en}"
            rationale_zh = f"更正{date_zh(day)}登錄的更新，該更新誤讀了報導。{rationale_zh}"
        url = f"https://{host}.example.org/{effective_on:%Y/%m/%d}/{rng.getrandbits(40):010x}"
        subject, predicate = sentence.subject, sentence.predicate
        evidence = batch.add(Evidence, {
            "claim_id": claim.id, "url": url, "title": f"{capitalised(subject[2])} and the move to {predicate[1]}",
            "title_zh_hant": f"{subject[1]}{predicate[0]}的最新進展", "publisher": outlet_en,
            "published_on": effective_on, "retrieved_on": timezone.localdate(recorded, self.zone),
            "archive_url": f"https://archive.example.org/{recorded:%Y%m%d}/{url}" if rng.random() < 0.3 else "",
            "excerpt": rationale_en, "bearing": BEARINGS.get(status, Evidence.Bearing.CONTEXT), "version": 1,
        })  # fmt: skip
        update = batch.add_instance(Update, {
            "claim_id": claim.id, "status": status, "effective_on": effective_on, "rationale": rationale_en,
            "rationale_zh_hant": rationale_zh, "recorded": recorded, "recorded_by_id": self.account.pk,
            "corrects_id": corrects.id if corrects else None, "is_baseline": is_baseline,
        })  # fmt: skip
        if stage is not None:
            update.stage = stage  # cached, so that Claim.timeline() reads it without a query
        link = batch.add(Update.evidence.through, {"update_id": update.id, "evidence_id": evidence["id"]})
        batch.record(evidence, recorded - datetime.timedelta(milliseconds=1), model=Evidence)
        batch.record(update, recorded + datetime.timedelta(milliseconds=1), m2m={"evidence": [link]})
        return update
