from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from branches.models import (
    AccountEvent,
    CommitteeSeat,
    CommitteeTerm,
    LifeMeeting,
    Member,
    MemberFlow,
    MemberTransfer,
    Organization,
    OrgChange,
    PartyGroup,
    RoleAssignment,
    Sanction,
    TermIntervention,
    TermRule,
    TermRuleSet,
    User,
)
from branches.permissions import is_district


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("联系方式", {"fields": ("full_name", "phone")}),)
    list_display = ("username", "full_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "full_name", "phone")
    inlines = [RoleInline]


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization)
    list_display = ("name", "kind", "branch_type", "status", "code")
    list_filter = ("kind", "status", "branch_type", "committee_kind")
    search_fields = ("name", "code")


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("name", "branch", "status", "standing", "joined_on")
    list_filter = ("status", "standing", "is_district_cadre", "is_lost", "is_kongua", "is_hardship")
    search_fields = ("name", "name_pinyin", "name_initials", "id_number")
    raw_id_fields = ("branch", "party_group")
    list_select_related = ("branch",)

    # Only district staff may receive a full identity number, in the admin as on the pages:
    # for anyone else the change and history forms show the masked number, read-only, and a
    # search does not match on the number.
    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))  # the read-only masked one comes last
        if obj is not None and not is_district(request.user):
            fields = ["id_number_masked" if f == "id_number" else f for f in fields if f != "id_number_masked"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not is_district(request.user):
            readonly += ("id_number_masked",)
        return readonly

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return fields if is_district(request.user) else tuple(f for f in fields if f != "id_number")

    @admin.display(description="身份证号")
    def id_number_masked(self, obj):
        return obj.id_number_masked


@admin.register(PartyGroup)
class PartyGroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "branch", "leader", "is_active")
    raw_id_fields = ("branch", "leader")
    list_select_related = ("branch", "leader")


class SeatInline(admin.TabularInline):
    model = CommitteeSeat
    extra = 0
    raw_id_fields = ("holder",)


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(SimpleHistoryAdmin):
    list_display = ("branch", "elected_on", "term_years", "due_on", "postponed_until", "ended_on")
    raw_id_fields = ("branch",)
    inlines = [SeatInline]
    list_select_related = ("branch",)


class TermRuleInline(admin.TabularInline):
    model = TermRule
    extra = 1


@admin.register(TermRuleSet)
class TermRuleSetAdmin(admin.ModelAdmin):
    """The allowed term lengths by branch type: maintained as data when regulations change."""

    list_display = ("code", "name", "effective_from")
    inlines = [TermRuleInline]


@admin.register(TermIntervention)
class TermInterventionAdmin(SimpleHistoryAdmin):
    list_display = ("term", "kind", "person", "decided_on")
    raw_id_fields = ("term",)


@admin.register(Sanction)
class SanctionAdmin(SimpleHistoryAdmin):
    list_display = ("member", "kind", "imposed_on", "effective_until")
    raw_id_fields = ("member",)
    list_select_related = ("member",)


@admin.register(MemberTransfer)
class MemberTransferAdmin(SimpleHistoryAdmin):
    list_display = ("member", "direction", "occurred_on", "counterpart")
    raw_id_fields = ("member", "from_branch", "to_branch")
    list_select_related = ("member",)


@admin.register(OrgChange)
class OrgChangeAdmin(admin.ModelAdmin):
    list_display = ("organization", "kind", "occurred_on", "reason")
    raw_id_fields = ("organization", "from_parent", "to_parent", "merged_into")
    list_select_related = ("organization",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    raw_id_fields = ("user", "organization")
    list_select_related = ("user", "organization")


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The account log, read-only: it is written by ``branches.accounts`` only."""

    list_display = ("at", "actor", "action", "user", "organization", "detail")
    list_filter = ("action",)
    search_fields = ("user__username", "user__full_name", "actor__username", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MemberFlow)
class MemberFlowAdmin(SimpleHistoryAdmin):
    list_display = ("member", "direction", "in_branch", "counterpart", "started_on", "ended_on")
    list_filter = ("direction",)
    raw_id_fields = ("member", "in_branch", "actor")
    list_select_related = ("member", "in_branch")


@admin.register(LifeMeeting)
class LifeMeetingAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "held_on", "topic")
    raw_id_fields = ("organization", "participants", "actor")
    list_select_related = ("organization",)
