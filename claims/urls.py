from django.urls import path

from claims import exports, feeds, views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim-list"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("sources/<slug:source>/C<int:number>/", views.claim_detail, name="claim-detail"),
    path("sources/<slug:source>/C<int:number>/feed/", feeds.claim_feed, name="claim-feed"),
    path("tracks/", views.track_list, name="track-list"),
    path("tracks/<slug:slug>/", views.track_detail, name="track-detail"),
    path("topics/", views.topic_list, name="topic-list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic-detail"),
    path("actors/", views.actor_list, name="actor-list"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor-detail"),
    path("methodology/", views.methodology, name="methodology"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("data/claims.json", exports.claims_json, name="claims-json"),
    path("data/claims.csv", exports.claims_csv, name="claims-csv"),
    path("feeds/updates/", feeds.updates_feed, name="updates-feed"),
]
