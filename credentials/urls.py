from django.urls import path

from credentials import views

urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("checks/", views.checks, name="wallet-checks"),
    path("<str:identifier>/", views.credential_detail, name="wallet-credential"),
    path("<str:identifier>/card.png", views.card_image, name="wallet-card"),
    path("<str:identifier>/hide/", views.credential_hide, name="wallet-hide"),
    path("<str:identifier>/present/", views.credential_present, name="wallet-present"),
    path("<str:identifier>/offer/", views.credential_offer, name="wallet-offer"),
]
