from django.contrib.auth import views as auth_views
from django.urls import path

from worktrial.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.tokens, name="tokens"),
    path("link/<str:token>/", views.login_link, name="login_link"),
    path("password/", views.password, name="password"),
    path("orgs/<int:org_id>/members/", views.members, name="members"),
]
