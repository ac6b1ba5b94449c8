from django.contrib import admin

from .models import Exam, Sitting


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("title", "minutes", "created_by", "created")
    readonly_fields = ("created",)


@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ("exam", "learner", "started", "deadline", "submitted", "timed_out")
    list_filter = ("exam", "timed_out")
