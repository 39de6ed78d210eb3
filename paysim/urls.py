from django.urls import path

from paysim import views

urlpatterns = [
    path("api/orders", views.orders, name="paysim-orders"),
    path("api/orders/<str:out_trade_no>", views.order, name="paysim-order"),
    path("api/transfers", views.transfers, name="paysim-transfers"),
    path("api/refunds", views.refunds, name="paysim-refunds"),
    path("api/statements/<str:day>", views.statement, name="paysim-statement"),
    path("pay/<str:trade_no>/", views.pay, name="paysim-pay"),
]
