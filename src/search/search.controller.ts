import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator';
import { SearchQueryDto } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth()
@Controller('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  /** Messages of the caller's conversations matching `q`, newest first. */
  @Get()
  find(@CurrentUser() userId: string, @Query() query: SearchQueryDto) {
    const { q, conversationId, limit, cursor, ...filters } = query;
    return this.search.search(userId, { q, conversationId, limit, cursor, filters });
  }
}
