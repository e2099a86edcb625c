"""The outbox in the admin: what waits, what failed and why (read only)."""

from django.contrib import admin

from wujin_branch.models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ("task", "state", "attempts", "runs", "created_at", "sent_at", "done_at", "last_error")
    list_filter = ("state", "task")
    search_fields = ("key", "task")
    readonly_fields = [f.name for f in OutboxTask._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
